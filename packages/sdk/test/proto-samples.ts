// Messages of the gateway protocol built from the proto's descriptors (packages/proto/descriptors.binpb),
// in the protobuf JSON mapping: "full" ones with every field set, each to a value no other field has
// (so a field read into the wrong place shows), and "empty" ones with every message present and every
// scalar left out. A oneof gives one sample per case, and a case's message all of its own samples, so
// walking ServerMessage reaches every frame the gateway can send, every kind of notice included. A
// field or case added to the proto is in the samples at once.
import { readFileSync } from 'node:fs';
import { createFileRegistry, DescField, DescMessage, fromBinary, ScalarType } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { descriptorSetPath } from '@rtcroom/proto';

export type Json = Record<string, unknown>;

const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(descriptorSetPath)));

export function messageType(typeName: string): DescMessage {
  const message = registry.getMessage(typeName);
  if (!message) throw new Error(`no message ${typeName} in ${descriptorSetPath}`);
  return message;
}

type Mode = 'full' | 'empty';
const timestamp = 'google.protobuf.Timestamp';

export class Samples {
  private next = 0;

  constructor(private readonly mode: Mode) {}

  /** Every sample of a message: one per case of its oneof (each with every other field), or one. */
  of(message: DescMessage): Json[] {
    const base: Json = {};
    for (const field of message.fields) {
      if (field.oneof) continue;
      const value = this.field(field);
      if (value !== undefined) base[field.jsonName] = value;
    }
    if (message.oneofs.length === 0) return [base];
    return message.oneofs.flatMap((oneof) => oneof.fields.flatMap((field) => this.variants(field).map((value) => ({ ...base, [field.jsonName]: value }))));
  }

  /** A oneof case's values: every sample of its message, or its one scalar. */
  private variants(field: DescField): unknown[] {
    if (field.fieldKind === 'message' && field.message.typeName !== timestamp) return this.of(field.message);
    return [this.field(field) ?? this.scalarOf(field)];
  }

  private field(field: DescField): unknown {
    switch (field.fieldKind) {
      case 'scalar':
        return this.mode === 'full' ? this.scalar(field.scalar, field.jsonName) : undefined;
      case 'enum':
        return this.mode === 'full' ? field.enum.values[field.enum.values.length - 1].name : undefined;
      case 'message':
        return this.message(field.message);
      case 'list': {
        if (field.listKind === 'message') return this.mode === 'full' ? [...this.of(field.message), ...this.of(field.message)] : this.of(field.message);
        if (this.mode === 'empty') return undefined;
        return field.listKind === 'scalar' ? [this.scalar(field.scalar, field.jsonName), this.scalar(field.scalar, field.jsonName)] : field.enum.values.slice(1).map((v) => v.name);
      }
      default:
        throw new Error(`${field.parent.typeName}.${field.name}: maps are not in the gateway protocol; teach the samples them`);
    }
  }

  private message(message: DescMessage): unknown {
    if (message.typeName === timestamp) return this.mode === 'full' ? new Date(Date.UTC(2026, 0, 1, 0, 0, 0, ++this.next)).toISOString() : undefined;
    if (message.typeName.startsWith('google.protobuf.')) throw new Error(`${message.typeName} is not in the gateway protocol; teach the samples it`);
    return this.of(message)[0];
  }

  /** A set scalar even in an empty sample: the value of a oneof case that is not a message. */
  private scalarOf(field: DescField): unknown {
    return field.fieldKind === 'scalar' ? this.scalar(field.scalar, field.jsonName) : undefined;
  }

  private scalar(type: ScalarType, name: string): unknown {
    const n = ++this.next;
    switch (type) {
      case ScalarType.STRING:
        return `${name}-${n}`;
      case ScalarType.BOOL:
        return true;
      case ScalarType.DOUBLE:
      case ScalarType.FLOAT:
        return n + 0.5;
      case ScalarType.BYTES:
        // Bytes travel as base64 (the protobuf JSON mapping); bytes no other field has.
        return Buffer.from(`${name}-${n}`).toString('base64');
      default:
        return n;
    }
  }
}

/** What a sample is, for a test's title: its case, and the case inside that (a notice's kind). */
export function describeSample(message: DescMessage, sample: Json): string {
  const oneofCase = (m: DescMessage, json: Json): string[] => {
    const field = m.oneofs.flatMap((o) => o.fields).find((f) => json[f.jsonName] !== undefined);
    if (!field) return [];
    const inner = field.fieldKind === 'message' ? oneofCase(field.message, json[field.jsonName] as Json) : [];
    return [field.jsonName, ...inner];
  };
  return oneofCase(message, sample).join(' ') || message.name;
}
