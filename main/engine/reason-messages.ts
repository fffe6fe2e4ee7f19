/**
 * Reason codes and the message tables the screens and the voice prompts use. Codes are stable
 * upper-case identifiers (stored with every record and uploaded); message keys name a line in the
 * zh and en tables below. Chinese first: it is the kiosk's default language.
 */

export const REASON_CODES = [
  'FEVER',
  'REMEASURE',
  'WATCHLIST',
  'KEY_REGION',
  'INVALID_ID',
  'INVALID_CARD_DATE',
  'CARD_EXPIRED',
  'WATCHLIST_STALE',
  'DEVICE_FAULT',
  'CALIBRATION_MISSING',
  'CALIBRATION_EXPIRED',
  'CALIBRATION_DRIFT',
  'DUPLICATE',
  'NO_TEMPERATURE',
  'IMPLAUSIBLE_TEMPERATURE',
  'NO_IDENTITY',
  'STORE_UNAVAILABLE',
  'TIMEOUT',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

/** The message key of each reason code (`reason.fever` ...). */
export const REASON_MESSAGE_KEYS: Readonly<Record<ReasonCode, string>> = {
  FEVER: 'reason.fever',
  REMEASURE: 'reason.remeasure',
  WATCHLIST: 'reason.watchlist',
  KEY_REGION: 'reason.keyRegion',
  INVALID_ID: 'reason.invalidId',
  INVALID_CARD_DATE: 'reason.invalidCardDate',
  CARD_EXPIRED: 'reason.cardExpired',
  WATCHLIST_STALE: 'reason.watchlistStale',
  DEVICE_FAULT: 'reason.deviceFault',
  CALIBRATION_MISSING: 'reason.calibrationMissing',
  CALIBRATION_EXPIRED: 'reason.calibrationExpired',
  CALIBRATION_DRIFT: 'reason.calibrationDrift',
  DUPLICATE: 'reason.duplicate',
  NO_TEMPERATURE: 'reason.noTemperature',
  IMPLAUSIBLE_TEMPERATURE: 'reason.implausibleTemperature',
  NO_IDENTITY: 'reason.noIdentity',
  STORE_UNAVAILABLE: 'reason.storeUnavailable',
  TIMEOUT: 'reason.timeout',
};

export type Language = 'zh' | 'en';

/**
 * Every line the engine can ask a screen or the voice to say: decisions, reasons and prompts.
 * Messages never contain personal data; the UI fills nothing in but the colour name.
 */
export const MESSAGES: Readonly<Record<Language, Readonly<Record<string, string>>>> = {
  zh: {
    'decision.pass': '体温正常 请通行',
    'decision.hold': '请稍候 工作人员将为您处理',
    'decision.passNotice': '请通行 工作人员已收到提示',
    'reason.fever': '体温异常',
    'reason.remeasure': '体温偏高 请复测',
    'reason.watchlist': '重点人员名单匹配',
    'reason.keyRegion': '重点地区人员',
    'reason.invalidId': '证件号码无效',
    'reason.invalidCardDate': '证件日期无效',
    'reason.cardExpired': '证件已过期',
    'reason.watchlistStale': '名单未及时更新',
    'reason.deviceFault': '设备故障',
    'reason.calibrationMissing': '测温设备未校准',
    'reason.calibrationExpired': '测温设备校准已过期',
    'reason.calibrationDrift': '测温设备漂移超限',
    'reason.duplicate': '重复刷卡',
    'reason.noTemperature': '未测得有效体温',
    'reason.implausibleTemperature': '体温读数不可信 请工作人员复测',
    'reason.noIdentity': '未登记身份',
    'reason.storeUnavailable': '记录保存失败 请联系工作人员',
    'reason.timeout': '操作超时',
    'prompt.presentCard': '请刷身份证',
    'prompt.measure': '请将额头对准测温区',
    'prompt.holdStill': '请保持不动',
    'prompt.comeCloser': '请靠近一些',
    'prompt.remeasure': '体温偏高 请稍作休息后复测',
    'prompt.wait': '请稍候',
    'prompt.deviceOffline': '设备离线 请联系工作人员',
    'prompt.timeout': '操作超时 请重新开始',
    'prompt.duplicate': '该证件刚刚已登记',
    'prompt.outOfService': '暂停服务 · 请走人工通道',
    'notice.storeNotOpen': '记录库无法打开',
    'notice.diskFull': '磁盘已满 记录暂存内存',
    'notice.writeFailed': '记录写入失败 正在重试',
    'notice.diskSpaceLow': '磁盘空间不足',
    'notice.diskSpaceCritical': '磁盘空间严重不足',
    'notice.maintenanceFailed': '记录库维护失败',
    'colour.red': '红色',
    'colour.orange': '橙色',
    'colour.yellow': '黄色',
    'colour.blue': '蓝色',
  },
  en: {
    'decision.pass': 'Temperature normal. Please pass.',
    'decision.hold': 'Please wait. Staff will assist you.',
    'decision.passNotice': 'Please pass. Staff have been notified.',
    'reason.fever': 'Elevated temperature',
    'reason.remeasure': 'Temperature high: please measure again',
    'reason.watchlist': 'Watchlist match',
    'reason.keyRegion': 'Key region',
    'reason.invalidId': 'Invalid ID number',
    'reason.invalidCardDate': 'Invalid date on the ID card',
    'reason.cardExpired': 'ID card expired',
    'reason.watchlistStale': 'Watchlist out of date',
    'reason.deviceFault': 'Device fault',
    'reason.calibrationMissing': 'Thermometer not calibrated',
    'reason.calibrationExpired': 'Thermometer calibration expired',
    'reason.calibrationDrift': 'Thermometer drift over limit',
    'reason.duplicate': 'Card presented twice',
    'reason.noTemperature': 'No valid temperature',
    'reason.implausibleTemperature': 'Implausible reading: staff will re-measure',
    'reason.noIdentity': 'Identity not registered',
    'reason.storeUnavailable': 'Record not saved: please contact staff',
    'reason.timeout': 'Timed out',
    'prompt.presentCard': 'Please present your ID card',
    'prompt.measure': 'Please face the thermometer',
    'prompt.holdStill': 'Please hold still',
    'prompt.comeCloser': 'Please come closer',
    'prompt.remeasure': 'Temperature high: please rest a moment and measure again',
    'prompt.wait': 'Please wait',
    'prompt.deviceOffline': 'Device offline: please contact staff',
    'prompt.timeout': 'Timed out: please start again',
    'prompt.duplicate': 'This card was just registered',
    'prompt.outOfService': 'Out of service · please use the staffed lane',
    'notice.storeNotOpen': 'Record store cannot be opened',
    'notice.diskFull': 'Disk full: records held in memory',
    'notice.writeFailed': 'Record writes failing: retrying',
    'notice.diskSpaceLow': 'Disk space low',
    'notice.diskSpaceCritical': 'Disk space critically low',
    'notice.maintenanceFailed': 'Record store maintenance failed',
    'colour.red': 'Red',
    'colour.orange': 'Orange',
    'colour.yellow': 'Yellow',
    'colour.blue': 'Blue',
  },
};

/** The message for a key in a language; the key itself when missing, so a gap is visible, not blank. */
export function message(language: Language, key: string): string {
  return MESSAGES[language][key] ?? key;
}
