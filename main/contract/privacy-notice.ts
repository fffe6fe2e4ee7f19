import { z } from 'zod';

/** Text of the privacy notice in both languages (bounded: the site's parts are bounded in the configuration). */
const noticeText = (zh: number, en: number) => z.object({ zh: z.string().min(1).max(zh), en: z.string().min(1).max(en) });

/**
 * The privacy notice (PIPL arts. 17, 26; main/privacy/notice.ts): a short text the idle screen always
 * shows, and the fuller text one tap away. Built by the host from the site's configuration; the
 * traveller's snapshot carries it (messages.ts), and the staff console asks for it
 * (`console.privacyNotice`, console-messages.ts). A module of its own so both can import it.
 */
export const PrivacyNoticeSchema = z.object({
  short: noticeText(300, 500),
  title: noticeText(40, 80),
  sections: z.array(z.object({ heading: noticeText(40, 80), body: noticeText(900, 1500) })).min(1).max(10),
});
export type PrivacyNotice = z.infer<typeof PrivacyNoticeSchema>;
