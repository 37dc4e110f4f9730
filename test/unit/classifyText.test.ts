import { describe, expect, it } from 'vitest';
import { classifyJsonLine, classifyText, InvalidClassifyRequestError, parseClassifyRequest } from '../../shared/diagnosis/classifyText';

describe('classifyText (the medic classify engine)', () => {
  describe('parseClassifyRequest', () => {
    it('accepts the contract shape and keeps the optional keys', () => {
      expect(parseClassifyRequest({ source: 'cloudformation', text: 'x', resourceType: 'AWS::EC2::SecurityGroup', status: 'DELETE_FAILED', extra: 1 })).toEqual({
        source: 'cloudformation',
        text: 'x',
        resourceType: 'AWS::EC2::SecurityGroup',
        status: 'DELETE_FAILED',
      });
    });

    it.each([
      [[1, 2], 'expected a JSON object'],
      [null, 'expected a JSON object'],
      ['text', 'expected a JSON object'],
      [{ text: 'x' }, 'missing "source" (one of: ecs, cloudformation)'],
      [{ source: 'ec2', text: 'x' }, 'unknown source "ec2" (one of: ecs, cloudformation)'],
      [{ source: 'ecs' }, 'missing "text"'],
      [{ source: 'ecs', text: '  ' }, '"text" must be a non-empty string'],
      [{ source: 'ecs', text: 42 }, '"text" must be a non-empty string'],
      [{ source: 'ecs', text: 'x', field: 'reason' }, 'unknown field "reason" for source "ecs" (one of: stoppedReason, stopCode, containerReason, serviceEvent, exitCode)'],
      [{ source: 'ecs', text: 'x', field: 3 }, '"field" must be a string'],
      [{ source: 'cloudformation', text: 'x', status: true }, '"status" must be a string'],
    ])('rejects %j: %s', (raw, message) => {
      expect(() => parseClassifyRequest(raw)).toThrowError(InvalidClassifyRequestError);
      expect(() => parseClassifyRequest(raw)).toThrowError(message);
    });
  });

  describe('classifyText', () => {
    it('ECS text in its field: the category, confidence, variant and deciding rule', () => {
      expect(classifyText({ source: 'ecs', field: 'stoppedReason', text: 'ERROR: toomanyrequests: Too Many Requests.' })).toEqual({
        category: 'IMAGE_PULL',
        confidence: 0.9,
        variant: 'transient',
        ruleId: 'pull-rate-limited',
      });
    });

    it('ECS text without a field is tried as every field', () => {
      expect(classifyText({ source: 'ecs', text: 'UserInitiated' })).toEqual({ category: 'SCALING_OR_USER', confidence: 0.95, ruleId: 'user-initiated' });
    });

    it('a field narrows what the words may mean', () => {
      expect(classifyText({ source: 'ecs', field: 'serviceEvent', text: 'UserInitiated' })).toEqual({ category: 'UNKNOWN', confidence: 0 });
    });

    it('CloudFormation text goes through the CloudFormation rules, with the facts the rule read', () => {
      expect(classifyText({ source: 'cloudformation', text: 'resource sg-0123 has a dependent object', resourceType: 'AWS::EC2::SecurityGroup', status: 'DELETE_FAILED' })).toEqual({
        category: 'DEPENDENCY_VIOLATION',
        confidence: 0.95,
        ruleId: 'ec2-dependency-violation',
        facts: { resourceId: 'sg-0123' },
      });
    });

    it('CloudFormation: resourceType narrows what the words may mean', () => {
      const text = 'Failed to update resource. could not update';
      expect(classifyText({ source: 'cloudformation', text, resourceType: 'Custom::EC2NatGateway', status: 'UPDATE_FAILED' })).toEqual({
        category: 'CUSTOM_RESOURCE',
        confidence: 0.8,
        ruleId: 'custom-resource-type',
        facts: { message: text },
      });
      expect(classifyText({ source: 'cloudformation', text })).toEqual({ category: 'UNKNOWN', confidence: 0 });
    });

    it('CloudFormation: a stack summary names no cause (UNKNOWN)', () => {
      expect(classifyText({ source: 'cloudformation', text: 'The following resource(s) failed to delete: [BalancerCertificate].', status: 'DELETE_FAILED' })).toEqual({
        category: 'UNKNOWN',
        confidence: 0,
      });
    });
  });

  describe('classifyJsonLine', () => {
    it('answers a good line', () => {
      expect(classifyJsonLine('{"source":"ecs","field":"stoppedReason","text":"Task stopped by user"}')).toEqual({
        category: 'SCALING_OR_USER',
        confidence: 0.95,
        ruleId: 'task-stopped-by-user',
      });
    });

    it('reads a first line that starts with a byte-order mark', () => {
      expect(classifyJsonLine('\uFEFF{"source":"ecs","field":"stopCode","text":"UserInitiated"}')).toMatchObject({ category: 'SCALING_OR_USER' });
    });

    it.each([
      ['not json', /^not JSON: /],
      ['', /^not JSON: /],
      ['{"source":"ecs"}', /^missing "text"$/],
    ])('answers a bad line %j with an error, not an exception', (line, message) => {
      const answer = classifyJsonLine(line);
      expect(Object.keys(answer)).toEqual(['error']);
      expect((answer as { error: string }).error).toMatch(message);
    });
  });
});
