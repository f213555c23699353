// What every click shows: its button busy (and disabled) while the action runs and marked failed when
// it fails, with the reason as its tooltip; the outcome in the status line of the top bar; and a
// failure, with the server's code, in the event log too.
import { describeError as inLanguage, RtcRoomError } from '@rtcroom/sdk';
import { currentLocale, t } from './i18n.js';

export type Level = 'info' | 'warning' | 'error';
export type Log = (text: string, level?: Level) => void;

/** The status line: what the last click led to (or is waiting for). */
export function status(text: string, level: Level | 'busy' = 'info'): void {
  const el = document.getElementById('status')!;
  el.textContent = text;
  el.dataset.level = level;
  el.title = text; // the whole of a long one
}

/** A failure for the status line and the log: the code, what it means in the console's language, and the server's own words. */
export function describeError(err: unknown): string {
  if (!(err instanceof RtcRoomError)) return err instanceof Error ? err.message : String(err);
  const detail = err.message.startsWith(`${err.code}: `) ? err.message.slice(err.code.length + 2) : err.message;
  return `${err.code} ${inLanguage(err, currentLocale())}${detail ? ` (${detail})` : ''}`;
}

export interface ActionOptions {
  /** The button clicked, shown busy, then failed or back to normal. */
  button?: HTMLButtonElement | null;
  log: Log;
  /** The failure is logged already (the SDK's pusherState event): only the status line and the button show it. */
  loggedAlready?: boolean;
  /** Runs after the action, whatever its outcome (a redraw). */
  after?: () => void;
}

/**
 * Runs a click's action with visible feedback. The action may return what it did, for the status
 * line ("you joined support-1 (seq 2)"); otherwise "<what>: done".
 */
export function runAction(what: string, action: () => Promise<unknown>, { button, log, loggedAlready, after }: ActionOptions): void {
  if (button) {
    button.disabled = true;
    button.dataset.state = 'busy';
    button.setAttribute('aria-busy', 'true');
    button.removeAttribute('title');
  }
  status(t('actionBusy', { action: what }), 'busy');
  action()
    .then((done) => {
      if (button) delete button.dataset.state;
      status(typeof done === 'string' ? done : t('actionDone', { action: what }));
    })
    .catch((err) => {
      const text = t('actionFailed', { action: what, error: describeError(err) });
      if (!loggedAlready) log(text, 'error');
      status(text, 'error');
      if (button) {
        button.dataset.state = 'failed';
        button.title = text;
      }
    })
    .finally(() => {
      if (button) {
        button.disabled = false;
        button.removeAttribute('aria-busy');
      }
      after?.();
    });
}

/** The submit button of a form's submit event (the one pressed, or the form's only one). */
export function submitButton(e: Event): HTMLButtonElement | null {
  const pressed = (e as SubmitEvent).submitter;
  if (pressed instanceof HTMLButtonElement) return pressed;
  return (e.target as HTMLFormElement).querySelector<HTMLButtonElement>('button[type=submit], button:not([type])');
}
