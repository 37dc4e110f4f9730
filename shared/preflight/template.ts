/**
 * Reads a CloudFormation template (JSON, or YAML with the short-form tags `!Ref`, `!Sub`,
 * `!GetAtt` ...) into the long form CloudFormation itself uses (`{"Ref": ...}`,
 * `{"Fn::Sub": ...}`), so the checks see one shape whatever the author wrote.
 */
import { parse, type ScalarTag, type CollectionTag, type YAMLMap, type YAMLSeq } from 'yaml';
import { MedicError } from '../errors';

/** The template is unreadable as CloudFormation: not JSON/YAML, or no `Resources`. */
export class TemplateError extends MedicError {}

export interface TemplateResource {
  logicalId: string;
  /** `AWS::S3::Bucket` */
  type: string;
  properties: Record<string, unknown>;
  /** The `Condition` the resource is created under, if any. */
  condition?: string;
  deletionPolicy?: string;
}

export interface Template {
  resources: TemplateResource[];
  /** `Transform` values (SAM, macros): resources they create are not visible before deploy. */
  transforms: string[];
}

/** `!Name` → `Fn::Name`; these take a scalar, a sequence or a mapping depending on the function. */
const FUNCTIONS = [
  'And', 'Base64', 'Cidr', 'Equals', 'FindInMap', 'GetAtt', 'GetAZs', 'If', 'ImportValue', 'Join',
  'Length', 'Not', 'Or', 'Select', 'Split', 'Sub', 'ToJsonString', 'Transform',
] as const;

function longForm(name: string, value: unknown): Record<string, unknown> {
  if (name === 'Ref' || name === 'Condition') return { [name]: value };
  // `!GetAtt Resource.Attribute` is the one short form whose scalar is split.
  if (name === 'GetAtt' && typeof value === 'string') {
    const dot = value.indexOf('.');
    return { 'Fn::GetAtt': dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [`Fn::${name}`]: value };
}

/**
 * The YAML custom tags of CloudFormation's short form, for the `yaml` package.
 *
 * @example
 * parse('Name: !Sub "${AWS::StackName}-assets"', { customTags: CFN_YAML_TAGS });
 * // { Name: { 'Fn::Sub': '${AWS::StackName}-assets' } }
 */
export const CFN_YAML_TAGS: Array<ScalarTag | CollectionTag> = ['Ref', 'Condition', ...FUNCTIONS].flatMap((name) => [
  { tag: `!${name}`, resolve: (value: string) => longForm(name, value) } satisfies ScalarTag,
  { tag: `!${name}`, collection: 'seq', resolve: (seq: YAMLSeq.Parsed) => longForm(name, seq.toJSON()) } as CollectionTag,
  { tag: `!${name}`, collection: 'map', resolve: (map: YAMLMap.Parsed) => longForm(name, map.toJSON()) } as CollectionTag,
]);

/**
 * Parses template text. `source` names the file in error messages.
 *
 * @example
 * const template = parseTemplate(readFileSync('template.yaml', 'utf8'), 'template.yaml');
 * template.resources[0]; // { logicalId: 'AssetsBucket', type: 'AWS::S3::Bucket', properties: { BucketName: 'acme-assets' } }
 */
export function parseTemplate(text: string, source = 'template'): Template {
  let raw: unknown;
  try {
    raw = text.trimStart().startsWith('{') ? JSON.parse(text) : parse(text, { customTags: CFN_YAML_TAGS, schema: 'core', uniqueKeys: true });
  } catch (error) {
    throw new TemplateError(`${source} is neither JSON nor YAML: ${(error as Error).message}`, { cause: error });
  }
  if (!isObject(raw)) throw new TemplateError(`${source} is not a CloudFormation template: expected a mapping at the top`);
  const resources = raw.Resources;
  if (!isObject(resources) || Object.keys(resources).length === 0) {
    throw new TemplateError(`${source} is not a CloudFormation template: no Resources`);
  }
  return {
    resources: Object.entries(resources).map(([logicalId, value]) => toResource(logicalId, value, source)),
    transforms: [raw.Transform].flat().filter((t): t is string => typeof t === 'string'),
  };
}

function toResource(logicalId: string, value: unknown, source: string): TemplateResource {
  if (!isObject(value) || typeof value.Type !== 'string') {
    throw new TemplateError(`${source}: resource ${logicalId} has no Type`);
  }
  const properties = value.Properties === undefined ? {} : value.Properties;
  if (!isObject(properties)) throw new TemplateError(`${source}: resource ${logicalId} has Properties that are not a mapping`);
  return {
    logicalId,
    type: value.Type,
    properties,
    ...(typeof value.Condition === 'string' ? { condition: value.Condition } : {}),
    ...(typeof value.DeletionPolicy === 'string' ? { deletionPolicy: value.DeletionPolicy } : {}),
  };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Resources of one type, in template order. */
export function resourcesOfType(template: Template, type: string): TemplateResource[] {
  return template.resources.filter((r) => r.type === type);
}
