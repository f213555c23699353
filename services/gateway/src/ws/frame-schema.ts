// Checks a client frame's JSON against the protocol's message descriptors before anything reads it.
// ts-proto's fromJSON coerces whatever it is given (-1 or "999999999999" for a uint32, Boolean("false")
// is true, Number("x") is NaN) and the mistake surfaced only when the request was encoded for a
// backend, as INTERNAL. The check is driven by the descriptors buf builds from proto/
// (packages/proto/descriptors.binpb), so a request or field added to the contract is covered without
// a list per request. It walks the JSON itself rather than calling @bufbuild/protobuf's fromJson for
// the whole frame: unknown fields must be ignored (a newer client talking to an older gateway) while
// unknown enum names must be refused (fromJson's ignoreUnknownFields drops both silently); 64-bit
// integers must fit a JS number exactly (the generated code holds them as numbers); the documented
// string limits apply; and the error names the field as the client wrote it (createRoom.room.maxMembers).
// Well-known types (Timestamp, ...) are handed to fromJson, which knows their JSON forms.
import { readFileSync } from 'node:fs';
import { createFileRegistry, DescEnum, DescField, DescMessage, DescOneof, fromBinary, fromJson, ScalarType } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { descriptorSetPath } from '@rtcroom/proto';
import { GatewayError } from '../errors';
import { FieldLimit, fieldLimits } from './field-limits';

const int32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };
const uint32 = { min: 0, max: 2 ** 32 - 1 };
/** int64 and friends are numbers in the generated code (forceLong=number): only exact ones are taken. */
const int64 = { min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER };
const uint64 = { min: 0, max: Number.MAX_SAFE_INTEGER };
const integerRanges: Partial<Record<ScalarType, { min: number; max: number }>> = {
  [ScalarType.INT32]: int32,
  [ScalarType.SINT32]: int32,
  [ScalarType.SFIXED32]: int32,
  [ScalarType.UINT32]: uint32,
  [ScalarType.FIXED32]: uint32,
  [ScalarType.INT64]: int64,
  [ScalarType.SINT64]: int64,
  [ScalarType.SFIXED64]: int64,
  [ScalarType.UINT64]: uint64,
  [ScalarType.FIXED64]: uint64,
};
/** The protobuf JSON mapping takes numbers as JSON numbers or as strings holding one. */
const numberText = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;
const base64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const maxFloat = 3.4028234663852886e38;

export class FrameSchema {
  /** Each message's fields by both names the JSON mapping accepts (jsonName and the proto name). */
  private readonly keys = new Map<DescMessage, Map<string, DescField>>();

  constructor(
    private readonly root: DescMessage,
    private readonly limits: Record<string, FieldLimit> = fieldLimits,
  ) {}

  /** The schema of gatewayv1.ClientMessage, from the descriptor set the proto package ships. */
  static load(typeName = 'rtcroom.gateway.v1.ClientMessage'): FrameSchema {
    const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(descriptorSetPath)));
    const root = registry.getMessage(typeName);
    if (!root) throw new Error(`${typeName} is not in ${descriptorSetPath}`);
    return new FrameSchema(root);
  }

  /** Throws INVALID_ARGUMENT naming the first field that does not fit. Unknown fields are ignored. */
  check(frame: object): void {
    this.message(this.root, frame, '');
  }

  private message(desc: DescMessage, value: unknown, path: string): void {
    if (desc.typeName.startsWith('google.protobuf.')) return wellKnown(desc, value, path);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(path, 'must be an object');
    const fields = this.fieldsOf(desc);
    const object = value as Record<string, unknown>;
    let oneofs: Map<DescOneof, string> | undefined;
    for (const key in object) {
      const field = fields.get(key);
      if (!field) continue;
      const at = path ? `${path}.${key}` : key;
      if (key !== field.jsonName && Object.hasOwn(object, field.jsonName)) throw invalid(at, `is given twice (as ${field.jsonName} and ${field.name})`);
      const v = object[key];
      if (v === null) continue; // the JSON mapping's "default"
      if (field.oneof) {
        oneofs ??= new Map();
        const other = oneofs.get(field.oneof);
        if (other) throw invalid(at, `cannot come with ${other}: only one of ${field.oneof.fields.map((f) => f.jsonName).join(', ')} at a time`);
        oneofs.set(field.oneof, key);
      }
      this.field(field, v, at);
    }
  }

  private field(field: DescField, value: unknown, at: string): void {
    switch (field.fieldKind) {
      case 'scalar':
        return this.scalar(field.scalar, value, at, this.limits[fullName(field)]);
      case 'enum':
        return enumValue(field.enum, value, at);
      case 'message':
        return this.message(field.message, value, at);
      case 'list': {
        if (!Array.isArray(value)) throw invalid(at, 'must be a list');
        value.forEach((item: unknown, i) => {
          const itemAt = `${at}[${i}]`;
          if (item === null) throw invalid(itemAt, 'must not be null');
          if (field.listKind === 'scalar') this.scalar(field.scalar, item, itemAt, this.limits[fullName(field)]);
          else if (field.listKind === 'enum') enumValue(field.enum, item, itemAt);
          else this.message(field.message, item, itemAt);
        });
        return;
      }
      case 'map': {
        if (typeof value !== 'object' || Array.isArray(value)) throw invalid(at, 'must be an object');
        for (const [k, v] of Object.entries(value as object)) {
          const entryAt = `${at}.${k}`;
          if (field.mapKey === ScalarType.BOOL) boolKey(k, entryAt);
          else if (field.mapKey !== ScalarType.STRING) this.scalar(field.mapKey, k, entryAt);
          if (v === null) throw invalid(entryAt, 'must not be null');
          if (field.mapKind === 'scalar') this.scalar(field.scalar, v, entryAt);
          else if (field.mapKind === 'enum') enumValue(field.enum, v, entryAt);
          else this.message(field.message, v, entryAt);
        }
        return;
      }
    }
  }

  private scalar(type: ScalarType, value: unknown, at: string, limit?: FieldLimit): void {
    switch (type) {
      case ScalarType.STRING:
        if (typeof value !== 'string') throw invalid(at, 'must be a string');
        // PostgreSQL's text cannot hold U+0000, and no client text needs it.
        if (value.includes('\u0000')) throw invalid(at, 'must not contain NUL characters');
        // (UTF-16 units are at least the code points, and a unit is at most 3 UTF-8 bytes: most strings
        // are settled without counting.)
        if (limit?.maxChars !== undefined && value.length > limit.maxChars && [...value].length > limit.maxChars) {
          throw invalid(at, `must be at most ${limit.maxChars} characters`);
        }
        if (limit?.maxBytes !== undefined && value.length * 3 > limit.maxBytes && Buffer.byteLength(value, 'utf8') > limit.maxBytes) {
          throw invalid(at, `must be at most ${limit.maxBytes} bytes (UTF-8)`);
        }
        return;
      case ScalarType.BOOL:
        if (typeof value !== 'boolean') throw invalid(at, 'must be true or false');
        return;
      case ScalarType.BYTES:
        if (typeof value !== 'string' || !base64.test(value)) throw invalid(at, 'must be base64 text');
        return;
      case ScalarType.DOUBLE:
      case ScalarType.FLOAT: {
        if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') return;
        const n = toNumber(value);
        if (n === undefined || (type === ScalarType.FLOAT && Math.abs(n) > maxFloat)) throw invalid(at, 'must be a number');
        return;
      }
      default: {
        const range = integerRanges[type]!;
        const n = toNumber(value);
        if (n === undefined || !Number.isInteger(n) || n < range.min || n > range.max) {
          throw invalid(at, `must be an integer from ${range.min} to ${range.max}`);
        }
      }
    }
  }

  private fieldsOf(desc: DescMessage): Map<string, DescField> {
    let byKey = this.keys.get(desc);
    if (!byKey) {
      byKey = new Map();
      for (const f of desc.fields) {
        byKey.set(f.jsonName, f);
        byKey.set(f.name, f);
      }
      this.keys.set(desc, byKey);
    }
    return byKey;
  }
}

function enumValue(desc: DescEnum, value: unknown, at: string): void {
  const known = typeof value === 'string' ? desc.values.some((v) => v.name === value) : typeof value === 'number' && desc.values.some((v) => v.number === value);
  if (!known) {
    const names = desc.values.map((v) => v.name);
    throw invalid(at, `must be one of ${names.slice(0, 12).join(', ')}${names.length > 12 ? ', ...' : ''}`);
  }
}

function wellKnown(desc: DescMessage, value: unknown, at: string): void {
  try {
    fromJson(desc, value as never);
  } catch {
    const form = desc.typeName === 'google.protobuf.Timestamp' ? 'an RFC 3339 time such as 2026-01-01T00:00:00Z' : `a ${desc.typeName} in its JSON form`;
    throw invalid(at, `must be ${form}`);
  }
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && numberText.test(value)) {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function boolKey(key: string, at: string): void {
  if (key !== 'true' && key !== 'false') throw invalid(at, 'must be keyed true or false');
}

const fullName = (field: DescField) => `${field.parent.typeName}.${field.name}`;

function invalid(path: string, problem: string): GatewayError {
  return new GatewayError('INVALID_ARGUMENT', `${path || 'the frame'} ${problem}`);
}
