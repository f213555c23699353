// Call setup and failure detection: measured apart from the load scenarios, by the detect scenario.
// The detect scenario (scenarios/call-setup.ts, scenarios/detection.ts) fills in their status when it runs.

export interface NotMeasured {
  scenario: string;
  figure: string;
  target: string | null;
  status: string;
}

const STATUS = 'not measured in this run (scenario detect)';

/** 1:1 call setup: invite -> both sides hold the other's play URL. */
export function callSetup(): NotMeasured {
  return { scenario: '1:1 call setup', figure: 'invite -> both sides hold the other\'s play URL', target: null, status: STATUS };
}

/** A client that stops sending (no heartbeat, socket left open): time until the others hear it left. */
export function silentClient(): NotMeasured {
  return { scenario: 'silent client', figure: 'last heartbeat -> others notified (connection lost)', target: '<= 5 s', status: STATUS };
}

/** A gateway killed with SIGKILL: time until the members it held are reported gone. */
export function killedGateway(): NotMeasured {
  return { scenario: 'killed gateway', figure: 'gateway killed -> its members reported gone', target: null, status: STATUS };
}

export function notMeasured(): NotMeasured[] {
  const all = [callSetup(), silentClient(), killedGateway()];
  for (const n of all) process.stdout.write(`${n.scenario}: ${n.status}\n`);
  return all;
}
