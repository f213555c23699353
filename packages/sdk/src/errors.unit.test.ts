// The codes the SDK declares the gateway sends are exactly those the gateway's one error table has
// (services/gateway/src/errors.ts), so an app matching on RtcRoomError.code misses none.
import { gatewayErrorCodes } from '../../../services/gateway/src/errors';
import { serverErrorCodes } from './errors';

it('the SDK knows every code an error frame can carry, and no other', () => {
  expect([...serverErrorCodes].sort()).toEqual([...gatewayErrorCodes].sort());
});
