import type { ConsoleCommand, ConsoleEvent } from '../contract/console-messages.js';
import { checkIdNumber, checkReference, PrivacyRequestError, type PrivacyService } from '../privacy/privacy-service.js';
import { consoleExportFile, writeSubjectExport } from '../privacy/subject-export-file.js';
import { StoreFullError } from '../store/store-errors.js';

/** What the privacy pages need of the host's privacy API (main/privacy/privacy-service.ts). */
export type ConsolePrivacy = Pick<PrivacyService, 'notice' | 'report' | 'lookup' | 'exportFor' | 'erase'>;

export type PrivacyPageCommand = Extract<
  ConsoleCommand,
  { type: 'console.privacyNotice' | 'console.privacyReport' | 'console.subjectLookup' | 'console.subjectExport' | 'console.subjectErase' }
>;

const PRIVACY_COMMANDS: ReadonlySet<string> = new Set(['console.privacyNotice', 'console.privacyReport', 'console.subjectLookup', 'console.subjectExport', 'console.subjectErase']);
export const isPrivacyPageCommand = (cmd: ConsoleCommand): cmd is PrivacyPageCommand => PRIVACY_COMMANDS.has(cmd.type);

const text = (zh: string, en: string) => ({ zh, en });

/**
 * The consoles' privacy pages, server side (docs/privacy.md §1, §4, §5): the notice for the staff
 * console, and for the technician the live processing summary and a person's requests — lookup,
 * export for the person, deletion — through the same PrivacyService the CLI uses.
 *
 * The console service has checked the session and the role before a command reaches here (the
 * notice is a staff command; the rest are the technician's only, refused and audited otherwise).
 * PrivacyService audits every lookup, export and deletion itself: nothing is audited twice here.
 * The ID number arrives in the command and is passed on; it is never logged, never sent back
 * (replies are masked), and never names a file (the export is named by the request's reference).
 */
export class PrivacyPages {
  constructor(
    private readonly deps: {
      privacy: ConsolePrivacy;
      dataDir: string;
      now?: () => Date;
    },
  ) {}

  handle(cmd: PrivacyPageCommand, actor: string): ConsoleEvent {
    try {
      return this.answer(cmd, actor);
    } catch (err) {
      const refused = refusal(err);
      if (refused) return { type: 'console.invalid', inReplyTo: cmd.id, field: refused.field, message: refused.message };
      throw err;
    }
  }

  private answer(cmd: PrivacyPageCommand, actor: string): ConsoleEvent {
    const { privacy } = this.deps;
    switch (cmd.type) {
      case 'console.privacyNotice':
        return { type: 'console.privacyNotice', inReplyTo: cmd.id, notice: privacy.notice() };
      case 'console.privacyReport':
        return { type: 'console.privacyReport', inReplyTo: cmd.id, report: privacy.report() };
      case 'console.subjectLookup': {
        const { idNumber, reference } = checked(cmd);
        return { type: 'console.subjectLookup', inReplyTo: cmd.id, reference, lookup: privacy.lookup(idNumber, { actor, reference }) };
      }
      case 'console.subjectExport': {
        const { idNumber, reference } = checked(cmd);
        const path = consoleExportFile(this.deps.dataDir, reference, this.deps.now?.() ?? new Date());
        const { doc, bytes } = writeSubjectExport(path, () => privacy.exportFor(idNumber, { actor, reference }));
        return { type: 'console.subjectExported', inReplyTo: cmd.id, reference, path, bytes, screenings: doc.records.length, registrations: doc.registrations.length };
      }
      case 'console.subjectErase': {
        const { idNumber, reference } = checked(cmd);
        return { type: 'console.subjectErased', inReplyTo: cmd.id, reference, erased: privacy.erase(idNumber, { actor, reference }) };
      }
    }
  }
}

/** Both fields checked before anything is read, so the console can say which one to correct. */
function checked(cmd: { idNumber: string; reference: string }): { idNumber: string; reference: string } {
  let idNumber: string;
  try {
    idNumber = checkIdNumber(cmd.idNumber);
  } catch (err) {
    throw new FieldError('idNumber', text('请输入证件号码（只含字母和数字，最多40位，与证件上一致）', (err as Error).message.slice(0, 200)));
  }
  try {
    return { idNumber, reference: checkReference(cmd.reference) };
  } catch (err) {
    throw new FieldError('reference', text('请填写请求编号（如 REQ-2026-0042；1–64个字符，无空格；不可填写本人的证件号或电话号码）', (err as Error).message.slice(0, 200)));
  }
}

class FieldError extends Error {
  constructor(
    readonly field: string,
    readonly bilingual: { zh: string; en: string },
  ) {
    super(bilingual.en);
  }
}

/** A refusal the technician can act on; null for anything else (the console service reports it as a failure). */
function refusal(err: unknown): { field: string; message: { zh: string; en: string } } | null {
  if (err instanceof FieldError) return { field: err.field, message: err.bilingual };
  if (err instanceof StoreFullError) return { field: 'store', message: text('磁盘已满，记录正在内存中等待写入：请先释放空间再处理请求', err.message.slice(0, 200)) };
  if (err instanceof PrivacyRequestError) {
    // The export file exists already, or the store is not open: the service's words, never the number.
    return { field: 'request', message: text('无法处理此请求：记录库未打开或导出文件无法创建，请稍后重试', err.message.slice(0, 200)) };
  }
  return null;
}
