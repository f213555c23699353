#!/usr/bin/env node
// rtcroom, the admin command line: `rtcroom --help` says what it does.
import { run } from './run';
import { rtcroom } from './tree';

run(rtcroom, process.argv.slice(2)).then((status) => {
  process.exitCode = status;
});
