import type { Language, PrivacyNotice } from '../main/contract/messages.js';
import { UI_TEXT } from './ui-text.js';

/**
 * The privacy notice on the traveller's screen (PIPL arts. 17, 26; main/privacy/notice.ts): the
 * short text in both languages, Chinese first, on the idle screen, and the fuller text one tap away
 * in a modal dialog (a native <dialog>: focus moves into it and stays there, Escape closes it, focus
 * returns to the button that opened it). Everything is drawn with textContent.
 */

function node<K extends keyof HTMLElementTagNameMap>(tag: K, className: string | null, text?: string): HTMLElementTagNameMap[K] {
  const n = document.createElement(tag);
  if (className) n.className = className;
  if (text !== undefined) n.textContent = text;
  return n;
}

/** The block under the idle prompt: both short texts and the button that opens the full notice. */
export function noticeBlock(notice: PrivacyNotice, open: () => void): HTMLElement {
  const block = node('div', 'privacy');
  block.dataset.role = 'privacy-notice';
  const zh = node('p', 'privacy-short', notice.short.zh);
  zh.lang = 'zh-CN';
  const en = node('p', 'privacy-short', notice.short.en);
  en.lang = 'en';
  // Both languages, Chinese first, like the text above it: whoever reads either finds the button.
  const more = node('button', 'privacy-more');
  const moreZh = node('span', null, UI_TEXT.zh.privacyMore);
  moreZh.lang = 'zh-CN';
  const moreEn = node('span', null, UI_TEXT.en.privacyMore);
  moreEn.lang = 'en';
  more.append(moreZh, ' · ', moreEn);
  more.type = 'button';
  more.dataset.action = 'privacy-notice';
  more.setAttribute('aria-haspopup', 'dialog');
  more.addEventListener('click', open);
  block.append(zh, en, more);
  return block;
}

/** Where a full-notice dialog lives on its page: ids unique on the page, and where focus goes back on close. */
export interface NoticeDialogPlace {
  dialogId: string;
  titleId: string;
  /** The control that opens it (focus returns there; the screen may have been redrawn meanwhile). */
  opener: () => HTMLElement | null;
}

/** The traveller's idle screen (renderer/app.ts). */
const IDLE_SCREEN: NoticeDialogPlace = {
  dialogId: 'privacy-dialog',
  titleId: 'privacy-title',
  opener: () => document.querySelector<HTMLElement>('#app [data-action="privacy-notice"]'),
};

/**
 * The full notice. One per place (the idle screen; the staff console's notice page), outside the
 * live region of the screen (it is read on request, not announced).
 */
export class PrivacyNoticeDialog {
  private readonly dialog: HTMLDialogElement;
  private readonly title: HTMLHeadingElement;
  private readonly body: HTMLElement;
  private readonly close: HTMLButtonElement;
  private readonly switchLanguage: HTMLButtonElement;
  private notice: PrivacyNotice | null = null;
  private language: Language = 'zh';

  constructor(onSwitchLanguage: (to: Language) => void, place: NoticeDialogPlace = IDLE_SCREEN) {
    this.dialog = node('dialog', 'privacy-dialog');
    this.dialog.id = place.dialogId;
    this.dialog.setAttribute('aria-labelledby', place.titleId);
    this.title = node('h2', 'privacy-title');
    this.title.id = place.titleId;
    this.close = node('button', 'privacy-close');
    this.close.type = 'button';
    this.close.dataset.action = 'privacy-close';
    this.close.addEventListener('click', () => this.dialog.close());
    this.switchLanguage = node('button', 'privacy-lang');
    this.switchLanguage.type = 'button';
    this.switchLanguage.dataset.action = 'privacy-language';
    this.switchLanguage.addEventListener('click', () => onSwitchLanguage(this.language === 'zh' ? 'en' : 'zh'));
    // The text may be longer than the screen: the scrolling part takes keyboard focus too.
    this.body = node('article', 'privacy-body');
    this.body.tabIndex = 0;
    this.body.setAttribute('aria-labelledby', place.titleId);
    const bar = node('div', 'privacy-bar');
    bar.append(this.switchLanguage, this.close);
    this.dialog.append(this.title, this.body, bar);
    this.dialog.addEventListener('close', () => place.opener()?.focus());
    document.body.append(this.dialog);
  }

  get isOpen(): boolean {
    return this.dialog.open;
  }

  /** New text or language: redrawn in place (an open dialog stays open and keeps its focus). */
  update(notice: PrivacyNotice | null, language: Language): void {
    this.notice = notice;
    this.language = language;
    if (!notice) {
      this.hide();
      return;
    }
    const t = UI_TEXT[language];
    this.dialog.lang = language === 'zh' ? 'zh-CN' : 'en';
    this.title.textContent = notice.title[language];
    this.close.textContent = t.privacyClose;
    this.switchLanguage.textContent = t.switchTo;
    this.switchLanguage.lang = language === 'zh' ? 'en' : 'zh-CN';
    const parts: HTMLElement[] = [];
    for (const s of notice.sections) parts.push(node('h3', null, s.heading[language]), node('p', null, s.body[language]));
    this.body.replaceChildren(...parts);
  }

  show(): void {
    if (!this.notice || this.dialog.open) return;
    this.dialog.showModal();
    this.close.focus();
  }

  hide(): void {
    if (this.dialog.open) this.dialog.close();
  }
}
