import type { KioskConfig } from '../config/kiosk-config.js';
import { deliveryModeOf, type DeliveryMode } from '../config/delivery-mode.js';
import type { PrivacyNotice } from '../contract/messages.js';

/**
 * The privacy notice a traveller sees where identity is captured (PIPL arts. 17 and 26; the CAC
 * notice of 9 Feb 2020: epidemic control only, minimum scope). Built from the site's configuration
 * (`privacy`): the operator and contact it names, the retention it keeps, whether photos are kept,
 * whether records go to a central service. The purpose is fixed here and is not configurable.
 *
 * Chinese first: the short text in both languages sits on the idle screen; the sections are the
 * fuller text one tap away. docs/privacy.md shows the default text.
 */

type Bilingual = { zh: string; en: string };

/** What the kiosk collects, as the notice and `kiosk privacy report` name it. */
export interface CollectedFields {
  /** From the ID card (encrypted at rest). */
  card: string[];
  /** From the screening itself. */
  screening: string[];
  /** The card photo is kept with the record (site setting `privacy.storePhoto`). */
  photoKept: boolean;
}

export function collectedFields(config: Pick<KioskConfig, 'privacy'>): CollectedFields {
  return {
    card: ['name', 'ID number', 'card type', 'sex', 'ethnicity or nationality', 'date of birth', 'address', 'issuing authority', 'validity dates', ...(config.privacy.storePhoto ? ['photo'] : [])],
    screening: ['time and checkpoint', 'temperature readings and estimate', 'decision (pass / hold) and its reasons', "staff's disposition of a hold", 'without a readable card: the document type and number, name and phone staff register'],
    photoKept: config.privacy.storePhoto,
  };
}

const both = (text: { zh: string; en?: string | undefined }): Bilingual => ({ zh: text.zh, en: text.en ?? text.zh });

export function privacyNoticeOf(config: Pick<KioskConfig, 'privacy'> & object): PrivacyNotice {
  const { retentionDays: days, storePhoto, notice } = config.privacy;
  const mode: DeliveryMode = deliveryModeOf(config);
  const operator = both(notice.operator);
  const contact = both(notice.contact);
  const dayWord = days === 1 ? 'day' : 'days';
  const sections: PrivacyNotice['sections'] = [
    {
      heading: { zh: '处理目的', en: 'Purpose' },
      body: {
        zh: '仅用于疫情防控：体温筛查，以及防控所需的追踪和复核。不用于其他任何目的，不公开，不出售。处理依据为《个人信息保护法》第十三条（应对突发公共卫生事件所必需）。',
        en: 'Epidemic control only: temperature screening, and the follow-up and checks it needs. Never used for anything else, never published, never sold. The legal basis is article 13 of the Personal Information Protection Law (necessary to respond to a public health emergency).',
      },
    },
    {
      heading: { zh: '收集的信息', en: 'What is collected' },
      body: {
        zh:
          '身份证件上的姓名、证件号码、性别、民族或国籍、出生日期、住址、签发机关和有效期限；体温测量值和筛查结果（通行或等候复核及原因）；检测的时间和地点；工作人员的复核处理。' +
          '无法读卡时，工作人员登记的证件类型、号码、姓名和电话。' +
          (storePhoto ? '证件照片随记录加密保存。' : '证件照片不保存：只在等候复核期间临时显示给工作人员。') +
          '指纹不保存。',
        en:
          'From your ID card: name, ID number, sex, ethnicity or nationality, date of birth, address, issuing authority and validity dates. Your temperature readings and the result (pass, or wait for staff, and why); the time and place; what staff decided. Without a readable card: the document, its number, your name and phone as staff register them. ' +
          (storePhoto ? 'The card photo is kept, encrypted, with the record.' : 'The card photo is not kept: it is only shown to staff while you wait for them.') +
          ' Fingerprints are never kept.',
      },
    },
    {
      heading: { zh: '保存期限', en: 'How long it is kept' },
      body:
        mode === 'central'
          ? {
              zh: `记录加密保存在本机，并上报${operator.zh}的疫情防控平台；本机在上报确认${days}天后自动删除。尚未上报成功的记录不会丢失，上报确认${days}天后删除。`,
              en: `Records are kept encrypted on this kiosk and reported to the epidemic-control service of ${operator.en}; the kiosk deletes them automatically ${days} ${dayWord} after the report is confirmed. A record not yet reported is not lost: it is deleted ${days} ${dayWord} after its report is confirmed.`,
            }
          : {
              zh: `记录只加密保存在本机，检测${days}天后自动删除。`,
              en: `Records are kept only on this kiosk, encrypted, and deleted automatically ${days} ${dayWord} after the screening.`,
            },
    },
    {
      heading: { zh: '处理者和联系方式', en: 'Who runs it, whom to ask' },
      body: { zh: `处理者：${operator.zh}。咨询和请求：${contact.zh}。`, en: `Operator: ${operator.en}. Questions and requests: ${contact.en}.` },
    },
    {
      heading: { zh: '您的权利', en: 'Your rights' },
      body: {
        zh: `您可以请求查阅、复制或删除本检测点保存的您的个人信息（《个人信息保护法》第四十四条至第四十七条）：请联系${contact.zh}。`,
        en: `You may ask to see, receive a copy of, or delete the personal information this checkpoint holds about you (Personal Information Protection Law, articles 44 to 47): ask ${contact.en}.`,
      },
    },
    {
      heading: { zh: '保护措施', en: 'Safeguards' },
      body: {
        zh: '个人信息加密保存；屏幕上只显示脱敏的证件号码和姓名（如 110105********002X、张*）；日志不记录个人信息；每一次查阅、导出和删除都记入审计日志。',
        en: 'Personal information is encrypted at rest; screens show only masked numbers and names (such as 110105********002X); logs hold no personal information; every access, export and deletion is recorded in an audit log.',
      },
    },
  ];
  if (notice.extra) sections.push({ heading: { zh: '补充说明', en: 'Also' }, body: both(notice.extra) });
  const card = storePhoto ? { zh: '身份证件信息（含照片）', en: 'your ID card details (with the photo)' } : { zh: '身份证件信息', en: 'your ID card details' };
  return {
    short: {
      zh: `个人信息告知：本机采集${card.zh}和体温，仅用于疫情防控，${mode === 'central' ? '上报确认' : '检测'}${days}天后自动删除。处理者：${operator.zh}。咨询：${contact.zh}。`,
      en: `Privacy: this kiosk records ${card.en} and temperature for epidemic control only, deleted ${days} ${dayWord} after ${mode === 'central' ? 'the report is confirmed' : 'the screening'}. Operator: ${operator.en}. Questions: ${contact.en}.`,
    },
    title: { zh: '个人信息保护告知', en: 'How your personal information is handled' },
    sections,
  };
}
