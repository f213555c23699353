// Each limit the gateway enforces is the one the proto documents on that field (the comments travel in
// the descriptor set as source info), and names a string field that exists.
import { readFileSync } from 'node:fs';
import { createFileRegistry, DescField, DescMessage, fromBinary, ScalarType } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { descriptorSetPath } from '@rtcroom/proto';
import { fieldLimits } from './field-limits';

const set = fromBinary(FileDescriptorSetSchema, readFileSync(descriptorSetPath));
const registry = createFileRegistry(set);

/** The field's leading comment: its source location is [4, message index, (3, nested index)..., 2, field index]. */
function commentOf(field: DescField): string {
  const path: number[] = [2, field.parent.fields.indexOf(field)];
  let message: DescMessage = field.parent;
  while (message.parent) {
    path.unshift(3, message.parent.nestedMessages.indexOf(message));
    message = message.parent;
  }
  path.unshift(4, message.file.messages.indexOf(message));
  const file = set.file.find((f) => f.name === `${message.file.name}.proto`)!;
  const location = file.sourceCodeInfo?.location.find((l) => l.path.length === path.length && l.path.every((p, i) => p === path[i]));
  return location?.leadingComments ?? '';
}

describe('field limits', () => {
  it.each(Object.entries(fieldLimits))('%s: as its proto comment says', (name, limit) => {
    const typeName = name.slice(0, name.lastIndexOf('.'));
    const field = registry.getMessage(typeName)?.fields.find((f) => f.name === name.slice(name.lastIndexOf('.') + 1));
    expect(field?.fieldKind === 'scalar' && field.scalar === ScalarType.STRING).toBe(true);
    const comment = commentOf(field!);
    if (limit.maxChars !== undefined) expect(comment).toMatch(new RegExp(`\\b${limit.maxChars} characters`));
    if (limit.maxBytes !== undefined) expect(comment).toMatch(new RegExp(`\\b${limit.maxBytes} bytes`));
  });
});
