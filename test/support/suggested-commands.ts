// The commands rtcroom suggests to a newcomer, exactly as written: in the README (lines of its shell
// blocks, and code spans that are a command) and in the web console (its <code> spans). What the start
// banner suggests is read from a running one (test/suggested-commands.e2e.test.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '../..');

/** A command's first word (after any VAR=value): what makes a line or a code span a command. */
const commandWords = ['npm', 'npx', 'node', 'bash', 'grpcurl', 'apt-get', 'echo', 'install', 'docker-compose', 'docker', 'kubectl', 'curl', 'git'];
const commandShape = new RegExp(`^(?:[A-Z_]+=\\S* )*(?:${commandWords.join('|')}) `);

export interface Suggested {
  command: string;
  /** Where it is suggested, for the failure message. */
  where: string;
}

/** Every command line of the README's shell blocks (continued lines joined, comments dropped) and every code span that is one. */
export function readmeCommands(readme = readFileSync(join(root, 'README.md'), 'utf8')): Suggested[] {
  const found: Suggested[] = [];
  const blocks = /^```(\w*)\n([\s\S]*?)^```/gm;
  for (const [, lang, body] of readme.matchAll(blocks)) {
    if (!['', 'sh', 'bash', 'shell'].includes(lang)) continue;
    for (const line of body.replace(/\\\n\s*/g, '').split('\n')) {
      const command = withoutComment(line).trim();
      if (commandShape.test(`${command} `)) found.push({ command, where: 'README (shell block)' });
    }
  }
  const prose = readme.replace(blocks, '');
  for (const [, span] of prose.matchAll(/`([^`\n]+)`/g)) {
    if (commandShape.test(`${span} `)) found.push({ command: span, where: 'README (code span)' });
  }
  return unique(found);
}

/** The commands the web console's page shows (its <code> spans that are one). */
export function consoleCommands(html = readFileSync(join(root, 'packages/console/static/index.html'), 'utf8')): Suggested[] {
  const spans = [...html.matchAll(/<code>([^<]+)<\/code>/g)].map(([, span]) => span.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));
  return unique(spans.filter((span) => commandShape.test(`${span} `)).map((command) => ({ command, where: 'console (index.html)' })));
}

/** A shell line without its trailing `# comment` (a # inside quotes is kept). */
function withoutComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) return line.slice(0, i);
  }
  return line;
}

function unique(found: Suggested[]): Suggested[] {
  const seen = new Set<string>();
  return found.filter((s) => !seen.has(s.command) && (seen.add(s.command), true));
}
