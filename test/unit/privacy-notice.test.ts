import { describe, expect, it } from 'vitest';
import { deliveryModeOf } from '../../main/config/delivery-mode.js';
import { parseKioskConfig, type KioskConfig } from '../../main/config/kiosk-config.js';
import { PrivacyNoticeSchema } from '../../main/contract/messages.js';
import { recordCollectionSettings } from '../../main/privacy/collection-settings.js';
import { HoldPhotos } from '../../main/privacy/hold-photos.js';
import { privacyNoticeOf } from '../../main/privacy/notice.js';
import { storePerTest } from '../fixtures/store/store-per-test.js';

/** Issue 15 items 1 and 2: the notice from the site's configuration; minimum data and its audited widening. */

const checkpoint = { id: 'yk-qiancang-330', name: '千仓卡口' };
function config(input: Record<string, unknown> = {}): KioskConfig {
  const r = parseKioskConfig({ checkpoint, ...input });
  if (!r.ok) throw new Error(r.problems.join('; '));
  return r.config;
}
const withCentral = (c: KioskConfig) => ({ ...c, central: { url: 'https://central.example' } }) as KioskConfig;

describe('privacy configuration', () => {
  it('defaults to 14 days, no photo, and names an operator and contact a traveller can act on', () => {
    expect(config().privacy).toEqual({
      retentionDays: 14,
      storePhoto: false,
      notice: { operator: { zh: '本检测点的设置单位', en: 'the authority that runs this checkpoint' }, contact: { zh: '现场工作人员', en: 'the staff at this checkpoint' } },
    });
  });

  it.each([
    [{ retentionDays: 0 }, 'privacy.retentionDays: 0 is out of range; fix: use a value of at least 1'],
    [{ retentionDays: 29 }, 'privacy.retentionDays: 29 is out of range; fix: use a value of at most 28'],
    [{ retentionDays: 7.5 }, 'privacy.retentionDays: 7.5 is not an int; fix: give an int'],
    [{ notice: { operator: { zh: '' } } }, 'privacy.notice.operator.zh: "" is invalid; fix: must not be blank; give a name people can read'],
    [{ notice: { contact: { zh: '电话\n12345' } } }, 'privacy.notice.contact.zh: "电话\\n12345" is invalid; fix: no control characters, line breaks or text-direction marks'],
    [{ purpose: 'marketing' }, 'privacy: unknown field "privacy.purpose"; fix: remove it or correct the spelling'],
  ])('refuses %j with the field and the fix', (privacy, line) => {
    const r = parseKioskConfig({ checkpoint, privacy });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems).toEqual([line]);
  });

  it('decides the delivery mode in one place: a central section makes a kiosk central', () => {
    expect(deliveryModeOf(config())).toBe('standalone');
    expect(deliveryModeOf(withCentral(config()))).toBe('central');
  });
});

describe('privacy notice', () => {
  it('says purpose, what is collected, how long, operator and contact: Chinese and English, within the contract', () => {
    const n = privacyNoticeOf(config());
    expect(n.short.zh).toBe('个人信息告知：本机采集身份证件信息和体温，仅用于疫情防控，检测14天后自动删除。处理者：本检测点的设置单位。咨询：现场工作人员。');
    expect(n.short.en).toBe('Privacy: this kiosk records your ID card details and temperature for epidemic control only, deleted 14 days after the screening. Operator: the authority that runs this checkpoint. Questions: the staff at this checkpoint.');
    expect(n.sections.map((s) => s.heading.zh)).toEqual(['处理目的', '收集的信息', '保存期限', '处理者和联系方式', '您的权利', '保护措施']);
    expect(n.sections[1]!.body.zh).toContain('证件照片不保存');
    expect(n.sections[2]!.body.zh).toBe('记录只加密保存在本机，检测14天后自动删除。');
    expect(PrivacyNoticeSchema.safeParse(n).success).toBe(true);
  });

  it("follows the site's settings: window, photo, central service, operator, contact, an extra paragraph", () => {
    const site = config({ privacy: { retentionDays: 21, storePhoto: true, notice: { operator: { zh: '某市疫情防控指挥部', en: 'City epidemic-control headquarters' }, contact: { zh: '12345 热线' }, extra: { zh: '依据某市防控指挥部第3号通告设立。' } } } });
    const n = privacyNoticeOf(withCentral(site));
    expect(n.short.zh).toBe('个人信息告知：本机采集身份证件信息（含照片）和体温，仅用于疫情防控，上报确认21天后自动删除。处理者：某市疫情防控指挥部。咨询：12345 热线。');
    // English left out: the Chinese stands in.
    expect(n.short.en).toContain('Operator: City epidemic-control headquarters. Questions: 12345 热线.');
    expect(n.sections[1]!.body.en).toContain('The card photo is kept, encrypted, with the record.');
    expect(n.sections[2]!.body.zh).toContain('上报某市疫情防控指挥部的疫情防控平台；本机在上报确认21天后自动删除');
    expect(n.sections.at(-1)).toEqual({ heading: { zh: '补充说明', en: 'Also' }, body: { zh: '依据某市防控指挥部第3号通告设立。', en: '依据某市防控指挥部第3号通告设立。' } });
    expect(PrivacyNoticeSchema.safeParse(n).success).toBe(true);
  });

  it('stays within the contract at the longest texts the configuration accepts', () => {
    const long = (n: number, ch: string) => ch.repeat(n);
    const site = config({ privacy: { retentionDays: 28, storePhoto: true, notice: { operator: { zh: long(100, '甲'), en: long(100, 'a') }, contact: { zh: long(100, '乙'), en: long(100, 'b') }, extra: { zh: long(600, '丙'), en: long(600, 'c') } } } });
    for (const c of [site, withCentral(site)]) {
      const r = PrivacyNoticeSchema.safeParse(privacyNoticeOf(c));
      expect(r.success, r.success ? '' : JSON.stringify(r.error.issues)).toBe(true);
    }
  });
});

describe('collection settings (widening is audited)', () => {
  const fixture = storePerTest();
  const actions = () => fixture.store.audit.list(100).map((e) => e.action);

  it('records nothing while the minimum is in force; a widening gets its own audit entry; a narrowing is a settings change', async () => {
    const { store } = fixture;
    expect(await recordCollectionSettings(store, config())).toEqual({ changed: false, widened: [] });
    expect(actions()).toEqual(['store.created']);

    const wider = config({ privacy: { storePhoto: true, retentionDays: 28 }, devices: { idcard: { source: 'simulated', sam: { readNewAddress: true } } } });
    expect(await recordCollectionSettings(store, wider)).toEqual({ changed: true, widened: ['storePhoto', 'retentionDays', 'readNewAddress'] });
    const [change, widened] = store.audit.list(2);
    expect(change).toMatchObject({ action: 'settings.change', detail: { key: 'privacy.collection' } });
    expect(JSON.parse(String(change!.detail.new))).toEqual({ storePhoto: true, retentionDays: 28, mode: 'standalone', readNewAddress: true, readFingerprint: false });
    expect(widened).toMatchObject({ action: 'privacy.collection.widened', detail: { fields: 'storePhoto,retentionDays,readNewAddress', storePhoto: true, retentionDays: 28, mode: 'standalone' } });
    expect(await recordCollectionSettings(store, wider)).toEqual({ changed: false, widened: [] });

    expect(await recordCollectionSettings(store, config({ privacy: { retentionDays: 7 } }))).toEqual({ changed: true, widened: [] });
    expect(actions().at(-1)).toBe('settings.change');
    // A central service sends records off the kiosk: that widens too.
    expect((await recordCollectionSettings(store, withCentral(config({ privacy: { retentionDays: 7 } })))).widened).toEqual(['mode']);
    expect(store.settings.history('privacy.collection').map((c) => (c.newValue as { mode: string }).mode)).toEqual(['standalone', 'standalone', 'central']);
    expect(store.audit.verify().ok).toBe(true);
  });
});

describe('hold photos (memory only)', () => {
  it('keeps a copy while the hold is open, and lets it go when the hold is resolved, expires or is crowded out', () => {
    let t = 0;
    const photos = new HoldPhotos({ ttlMs: 1000, max: 2, now: () => t });
    const a = new Uint8Array([1, 2, 3]);
    photos.keep('a', a);
    a[0] = 9; // the caller's buffer is not the kept one
    expect(photos.photo('a')).toEqual(new Uint8Array([1, 2, 3]));
    photos.keep('empty', new Uint8Array(0));
    expect(photos.size).toBe(1);

    const copy = photos.photo('a')!;
    expect(photos.release('a')).toBe(true);
    expect(photos.photo('a')).toBeNull();
    expect(copy).toEqual(new Uint8Array([1, 2, 3])); // what was handed out is the caller's

    photos.keep('b', new Uint8Array([4]));
    t = 500;
    photos.keep('c', new Uint8Array([5]));
    photos.keep('d', new Uint8Array([6]));
    expect([photos.photo('b'), photos.photo('c'), photos.photo('d')]).toEqual([null, new Uint8Array([5]), new Uint8Array([6])]);
    t = 1500;
    expect([photos.photo('c'), photos.size]).toEqual([null, 0]);
  });
});
