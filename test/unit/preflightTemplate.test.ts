import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveLiteral } from '../../shared/preflight/literal';
import { parseTemplate, TemplateError } from '../../shared/preflight/template';

const pseudo = { stackName: 'orders-prod', region: 'eu-west-1', accountId: '111122223333', partition: 'aws' };
const orders = () => parseTemplate(readFileSync('test/fixtures/templates/orders-service.yaml', 'utf8'), 'orders-service.yaml');

describe('Preflight: template', () => {
  describe('parseTemplate', () => {
    it('reads YAML short-form tags into the long form CloudFormation uses', () => {
      const template = parseTemplate(
        [
          'Resources:',
          '  Sg:',
          '    Type: AWS::EC2::SecurityGroup',
          '    Condition: IsProd',
          '    DeletionPolicy: Retain',
          '    Properties:',
          "      GroupName: !Sub '${AWS::StackName}-app'",
          '      VpcId: !ImportValue network-VpcId',
          "      GroupDescription: !Join ['-', [!Ref Env, !GetAtt Db.Endpoint.Address, !Select [0, !GetAZs '']]]",
          '      Tags:',
          '        - Key: Name',
          '          Value: !If [IsProd, !Sub ["${Name}-prod", {Name: !Ref Env}], !Ref AWS::NoValue]',
          '      UserData: !Base64',
          '        Fn::Sub: echo ${AWS::Region}',
        ].join('\n'),
      );
      expect(template.resources).toEqual([
        {
          logicalId: 'Sg',
          type: 'AWS::EC2::SecurityGroup',
          condition: 'IsProd',
          deletionPolicy: 'Retain',
          properties: {
            GroupName: { 'Fn::Sub': '${AWS::StackName}-app' },
            VpcId: { 'Fn::ImportValue': 'network-VpcId' },
            GroupDescription: { 'Fn::Join': ['-', [{ Ref: 'Env' }, { 'Fn::GetAtt': ['Db', 'Endpoint.Address'] }, { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] }]] },
            Tags: [{ Key: 'Name', Value: { 'Fn::If': ['IsProd', { 'Fn::Sub': ['${Name}-prod', { Name: { Ref: 'Env' } }] }, { Ref: 'AWS::NoValue' }] } }],
            UserData: { 'Fn::Base64': { 'Fn::Sub': 'echo ${AWS::Region}' } },
          },
        },
      ]);
    });

    it('reads JSON templates, transforms included', () => {
      const template = parseTemplate(
        JSON.stringify({ Transform: 'AWS::Serverless-2016-10-31', Resources: { Fn: { Type: 'AWS::Serverless::Function', Properties: { Handler: 'index.handler' } } } }),
      );
      expect(template).toEqual({ transforms: ['AWS::Serverless-2016-10-31'], resources: [{ logicalId: 'Fn', type: 'AWS::Serverless::Function', properties: { Handler: 'index.handler' } }] });
    });

    it('reads the orders service fixture: every resource with its type', () => {
      expect(orders().resources.map((r) => `${r.logicalId}:${r.type}`)).toEqual([
        'Vpc:AWS::EC2::VPC',
        'PrivateSubnetA:AWS::EC2::Subnet',
        'PrivateSubnetB:AWS::EC2::Subnet',
        'AppSecurityGroup:AWS::EC2::SecurityGroup',
        'DatabaseSecurityGroup:AWS::EC2::SecurityGroup',
        'DatabaseSubnetGroup:AWS::RDS::DBSubnetGroup',
        'Database:AWS::RDS::DBInstance',
        'AssetsBucket:AWS::S3::Bucket',
        'OrdersTable:AWS::DynamoDB::Table',
        'Cluster:AWS::ECS::Cluster',
        'ApiLogGroup:AWS::Logs::LogGroup',
        'TaskExecutionRole:AWS::IAM::Role',
        'ApiTaskDefinition:AWS::ECS::TaskDefinition',
        'ApiService:AWS::ECS::Service',
      ]);
    });

    it.each([
      ['text that is not YAML', 'Resources: [unclosed', /^t\.yaml is neither JSON nor YAML: /],
      ['JSON that does not parse', '{"Resources": ', /^t\.yaml is neither JSON nor YAML: /],
      ['a list at the top', '- a\n- b\n', /^t\.yaml is not a CloudFormation template: expected a mapping at the top$/],
      ['no Resources', 'AWSTemplateFormatVersion: "2010-09-09"\n', /^t\.yaml is not a CloudFormation template: no Resources$/],
      ['a resource without Type', 'Resources:\n  Bucket:\n    Properties: {}\n', /^t\.yaml: resource Bucket has no Type$/],
      ['a duplicate key', 'Resources:\n  A: {Type: AWS::S3::Bucket}\n  A: {Type: AWS::S3::Bucket}\n', /^t\.yaml is neither JSON nor YAML: .*[Mm]ap keys must be unique/],
    ])('rejects %s with a TemplateError naming the file', (_, text, message) => {
      expect(() => parseTemplate(text, 't.yaml')).toThrow(TemplateError);
      expect(() => parseTemplate(text, 't.yaml')).toThrow(message);
    });
  });

  describe('resolveLiteral', () => {
    it.each([
      ['a literal', 'acme-assets', { known: true, value: 'acme-assets' }],
      ['a number', 42, { known: true, value: '42' }],
      ['a pseudo parameter', { Ref: 'AWS::Region' }, { known: true, value: 'eu-west-1' }],
      ['a parameter', { Ref: 'BucketName' }, { known: false, why: '!Ref BucketName' }],
      ['!Sub over pseudo parameters', { 'Fn::Sub': '${AWS::StackName}-assets-${AWS::AccountId}' }, { known: true, value: 'orders-prod-assets-111122223333' }],
      ['!Sub with an escaped ${!Literal}', { 'Fn::Sub': '${AWS::StackName}-${!Literal}' }, { known: true, value: 'orders-prod-${Literal}' }],
      ['!Sub with a literal variable map', { 'Fn::Sub': ['${Prefix}-${AWS::Region}', { Prefix: 'acme' }] }, { known: true, value: 'acme-eu-west-1' }],
      ['!Sub with a parameter', { 'Fn::Sub': '${AWS::StackName}-${Env}' }, { known: false, why: '!Sub with ${Env}' }],
      ['!Sub with a mapped parameter', { 'Fn::Sub': ['${P}-x', { P: { Ref: 'Env' } }] }, { known: false, why: '!Sub with ${P} = !Ref Env' }],
      ['!Sub with a resource attribute', { 'Fn::Sub': '${Bucket.Arn}/*' }, { known: false, why: '!Sub with ${Bucket.Arn}' }],
      ['!Join of knowns', { 'Fn::Join': ['-', ['acme', { Ref: 'AWS::AccountId' }]] }, { known: true, value: 'acme-111122223333' }],
      ['!Join with a parameter', { 'Fn::Join': ['-', ['acme', { Ref: 'Env' }]] }, { known: false, why: '!Join with !Ref Env' }],
      ['!GetAtt', { 'Fn::GetAtt': ['Role', 'Arn'] }, { known: false, why: '!GetAtt' }],
      ['AWS::StackId (not known before the deploy)', { Ref: 'AWS::StackId' }, { known: false, why: '!Ref AWS::StackId' }],
      ['AWS::URLSuffix in China', { Ref: 'AWS::URLSuffix' }, { known: true, value: 'amazonaws.com.cn' }, { ...pseudo, partition: 'aws-cn' }],
    ])('%s', (_, value, expected, p = pseudo) => {
      expect(resolveLiteral(value, p)).toEqual(expected);
    });
  });
});
