// Types for Tencent's tls-sig-api-v2 (it ships none): the part rtcroom uses. Its file is named, not
// the package: its package.json has two "main" entries, and resolvers disagree on which counts.
declare module 'tls-sig-api-v2/TLSSigAPIv2' {
  export class Api {
    constructor(sdkAppId: number, key: string);
    genUserSig(userId: string, expireSeconds: number): string;
    genPrivateMapKeyWithStringRoomID(userId: string, expireSeconds: number, strRoomId: string, privilegeMap: number): string;
  }
}
