/**
 * SW3, the SAM status byte of every reply (docs/protocols/sam-reader.md §3). Codes 23, 24, 31–33, 40,
 * 47 and 66 come from a single source (HslCommunication).
 */
export interface Sw3Entry {
  code: number;
  /** English meaning, for logs and the CLI. */
  meaning: string;
  /** The vendor's Chinese text. */
  vendorText: string;
}

export const SW3 = {
  SUCCESS: 0x90,
  NO_CONTENT: 0x91,
  CARD_FOUND: 0x9f,
  COMMAND_CHECKSUM_ERROR: 0x10,
  COMMAND_LENGTH_ERROR: 0x11,
  UNKNOWN_COMMAND: 0x21,
  NOT_PERMITTED: 0x23,
  UNRECOGNISED_ERROR: 0x24,
  CARD_AUTH_SAM_FAILED: 0x31,
  SAM_AUTH_CARD_FAILED: 0x32,
  VERIFICATION_ERROR: 0x33,
  UNKNOWN_CARD_TYPE: 0x40,
  READ_FAILED: 0x41,
  RANDOM_FAILED: 0x47,
  SELF_TEST_FAILED: 0x60,
  NOT_AUTHORISED: 0x66,
  NO_CARD: 0x80,
  SELECT_FAILED: 0x81,
} as const;

const entries: readonly Sw3Entry[] = [
  { code: 0x90, meaning: 'success', vendorText: '操作成功' },
  { code: 0x91, meaning: 'card has no such item', vendorText: '证/卡中此项无内容' },
  { code: 0x9f, meaning: 'card found', vendorText: '寻找证/卡成功' },
  { code: 0x10, meaning: 'checksum error in received command', vendorText: '接收数据校验和错' },
  { code: 0x11, meaning: 'length error in received command', vendorText: '接收数据长度错' },
  { code: 0x21, meaning: 'unknown command', vendorText: '接收数据命令错' },
  { code: 0x23, meaning: 'operation not permitted', vendorText: '越权操作' },
  { code: 0x24, meaning: 'unrecognised error', vendorText: '无法识别的错误' },
  { code: 0x31, meaning: 'card failed to authenticate the SAM', vendorText: '证/卡认证 SAM 失败' },
  { code: 0x32, meaning: 'SAM failed to authenticate the card', vendorText: 'SAM 认证证/卡失败' },
  { code: 0x33, meaning: 'information verification error', vendorText: '信息验证错误' },
  { code: 0x40, meaning: 'unknown card type', vendorText: '无法识别的卡类型' },
  { code: 0x41, meaning: 'read failed', vendorText: '读证/卡操作失败' },
  { code: 0x47, meaning: 'get-random failed', vendorText: '取随机数失败' },
  { code: 0x60, meaning: 'SAM self-test failed', vendorText: 'SAM 自检失败' },
  { code: 0x66, meaning: 'SAM not authorised', vendorText: 'SAM 未经授权' },
  { code: 0x80, meaning: 'no card found (or card already read and not lifted)', vendorText: '寻找证/卡失败' },
  { code: 0x81, meaning: 'select card failed', vendorText: '选取证/卡失败' },
];

export const SW3_TABLE: ReadonlyMap<number, Sw3Entry> = new Map(entries.map((e) => [e.code, e]));

/** The table entry for `code`, or a generic one naming the unknown value. */
export function describeSw3(code: number): Sw3Entry {
  return SW3_TABLE.get(code) ?? { code, meaning: `unknown SW3 0x${hex2(code)}`, vendorText: '' };
}

export function hex2(n: number): string {
  return n.toString(16).padStart(2, '0').toUpperCase();
}
