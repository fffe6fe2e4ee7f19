import type { DashboardData } from '../dashboard-data.js';

export type DashboardLanguage = 'zh' | 'en';

const TEXT = {
  zh: {
    title: '体温检测 · 指挥中心',
    signInTitle: '管理员登录',
    user: '用户名',
    password: '密码',
    signIn: '登录',
    signOut: '退出登录',
    switchLang: 'English',
    period: '统计时段',
    day: '日期（北京时间）',
    show: '查看',
    last24h: '最近24小时',
    perHour: '各检查站每小时通行情况',
    chartLabel: '各小时检测、通行、留观、发热人数柱状图（数据见下表）',
    checkpoint: '检查站',
    hour: '时段',
    screened: '检测',
    passed: '通行',
    held: '留观',
    fevers: '发热',
    holds: '留观处置',
    openHolds: '待处置留观',
    resolution: '处置结果',
    unresolved: '待处置',
    time: '时间',
    kiosk: '终端',
    idNumber: '证件号（脱敏）',
    colour: '名单颜色',
    kiosks: '终端状态',
    lastSeen: '最近联系',
    state: '状态',
    offline: '离线',
    online: '在线',
    backlog: '待上传',
    rejected: '被拒记录',
    oldestUnsent: '最早未上传',
    calibration: '校准到期',
    calibrationDue: '需校准',
    auditChain: '审计链',
    auditOk: '正常',
    auditRewound: '已回退',
    auditDiverged: '已分叉',
    auditReplaced: '记录库被替换',
    none: '无',
    noData: '该时段暂无数据',
    conflicts: '记录冲突（同一编号内容不同）',
    badCredentials: '用户名或密码错误',
    locked: '账户已锁定，请稍后再试',
    yes: '是',
    no: '否',
  },
  en: {
    title: 'Temperature screening · Command centre',
    signInTitle: 'Administrator sign-in',
    user: 'User name',
    password: 'Password',
    signIn: 'Sign in',
    signOut: 'Sign out',
    switchLang: '中文',
    period: 'Period',
    day: 'Date (China time)',
    show: 'Show',
    last24h: 'Last 24 hours',
    perHour: 'Screenings per checkpoint per hour',
    chartLabel: 'Bar chart of screened, passed, held and fevers per hour (data in the table below)',
    checkpoint: 'Checkpoint',
    hour: 'Hour',
    screened: 'Screened',
    passed: 'Passed',
    held: 'Held',
    fevers: 'Fevers',
    holds: 'Holds and resolutions',
    openHolds: 'Open holds',
    resolution: 'Resolution',
    unresolved: 'Open',
    time: 'Time',
    kiosk: 'Kiosk',
    idNumber: 'ID number (masked)',
    colour: 'List colour',
    kiosks: 'Kiosks',
    lastSeen: 'Last seen',
    state: 'State',
    offline: 'Offline',
    online: 'Online',
    backlog: 'Backlog',
    rejected: 'Refused records',
    oldestUnsent: 'Oldest unsent',
    calibration: 'Calibration due',
    calibrationDue: 'Calibration due',
    auditChain: 'Audit chain',
    auditOk: 'intact',
    auditRewound: 'rewound',
    auditDiverged: 'diverged',
    auditReplaced: 'store replaced',
    none: 'none',
    noData: 'No data for this period',
    conflicts: 'Record conflicts (same id, different content)',
    badCredentials: 'Wrong user name or password',
    locked: 'Account locked; try again later',
    yes: 'yes',
    no: 'no',
  },
} as const;

const escape = (s: string | number | null | undefined): string =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(lang: DashboardLanguage, title: string, body: string, script: boolean): string {
  return `<!doctype html>
<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<link rel="stylesheet" href="/assets/central.css">
${script ? '<script type="module" src="/assets/dashboard.js"></script>' : ''}
</head>
<body>
${body}
</body>
</html>
`;
}

/** The kiosk's audit chain against central's anchor: its latest flag (rewound, diverged, replaced) with its time, or intact. */
function auditCell(alert: DashboardData['kiosks'][number]['auditAlert'], t: (typeof TEXT)[DashboardLanguage], lang: DashboardLanguage, tz: string): string {
  if (alert === null) return escape(t.auditOk);
  const word = { rewound: t.auditRewound, diverged: t.auditDiverged, replaced: t.auditReplaced }[alert.problem];
  return `<strong data-audit="${escape(alert.problem)}">${escape(word)}</strong> ${escape(time(alert.at, lang, tz))}`;
}

const time = (iso: string | null, lang: DashboardLanguage, tz: string) =>
  iso === null ? '' : new Date(iso).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', { timeZone: tz, hour12: false });

export function signInPage(lang: DashboardLanguage, error: 'bad-credentials' | 'locked' | null): string {
  const t = TEXT[lang];
  const other = lang === 'zh' ? 'en' : 'zh';
  return page(
    lang,
    t.signInTitle,
    `<header><h1>${escape(t.title)}</h1><nav><a href="/signin?lang=${other}" lang="${other === 'zh' ? 'zh-CN' : 'en'}">${escape(t.switchLang)}</a></nav></header>
<main>
<h2>${escape(t.signInTitle)}</h2>
${error ? `<p class="error" role="alert">${escape(error === 'locked' ? t.locked : t.badCredentials)}</p>` : ''}
<form method="post" action="/signin?lang=${lang}">
<label for="username">${escape(t.user)}</label>
<input id="username" name="username" autocomplete="username" required>
<label for="password">${escape(t.password)}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">${escape(t.signIn)}</button>
</form>
</main>`,
    false,
  );
}

/** The dashboard: every figure as an HTML table (readable without the chart); the chart draws from the same data. */
export function dashboardPage(lang: DashboardLanguage, data: DashboardData, admin: string): string {
  const t = TEXT[lang];
  const other = lang === 'zh' ? 'en' : 'zh';
  const tz = data.timeZone;
  const hourRows = data.hours
    .map((h) => `<tr><td>${escape(h.checkpointId)}</td><td>${escape(h.hour)}</td><td>${h.screened}</td><td>${h.passed}</td><td>${h.held}</td><td>${h.fevers}</td></tr>`)
    .join('\n');
  const holdRows = data.recentHolds
    .map(
      (h) =>
        `<tr><td>${escape(time(h.at, lang, tz))}</td><td>${escape(h.checkpointId)}</td><td>${escape(h.kioskId)}</td><td>${escape(h.idMasked ?? '')}</td><td>${h.fever ? t.yes : t.no}</td><td>${escape(h.colour ?? '')}</td><td>${escape(h.resolution ?? t.unresolved)}</td></tr>`,
    )
    .join('\n');
  const kioskRows = data.kiosks
    .map(
      (k) =>
        `<tr><td>${escape(k.checkpointId)}</td><td>${escape(k.kioskId)}</td><td>${k.offline ? `<strong>${t.offline}</strong>` : t.online}</td><td>${escape(time(k.lastSeenAt, lang, tz))}</td><td>${k.backlog}</td><td>${k.rejected > 0 ? `<strong>${k.rejected}</strong>` : '0'}</td><td>${escape(time(k.oldestUnsentAt, lang, tz))}</td><td>${k.calibrationDue ? `<strong>${t.calibrationDue}</strong> ` : ''}${escape(time(k.calibrationDueAt, lang, tz) || t.none)}</td><td>${auditCell(k.auditAlert, t, lang, tz)}</td></tr>`,
    )
    .join('\n');
  const resolutions = data.resolutions.map((r) => `<li>${escape(r.action)}: ${r.count}</li>`).join('');
  const json = JSON.stringify({ lang, hours: data.hours, labels: { screened: t.screened, passed: t.passed, held: t.held, fevers: t.fevers } }).replace(/</g, '\\u003c');
  return page(
    lang,
    t.title,
    `<header><h1>${escape(t.title)}</h1>
<nav><a href="/?lang=${other}" lang="${other === 'zh' ? 'zh-CN' : 'en'}">${escape(t.switchLang)}</a>
<form method="post" action="/signout" class="inline"><button type="submit">${escape(t.signOut)} (${escape(admin)})</button></form></nav></header>
<main>
<p>${escape(t.period)}: ${escape(time(data.from, lang, tz))} – ${escape(time(data.to, lang, tz))}</p>
<form method="get" action="/" class="period">
<input type="hidden" name="lang" value="${lang}">
<label for="day">${escape(t.day)}</label>
<input id="day" name="day" type="date" required>
<button type="submit">${escape(t.show)}</button>
<a href="/?lang=${lang}">${escape(t.last24h)}</a>
</form>
<section aria-labelledby="h-hours">
<h2 id="h-hours">${escape(t.perHour)}</h2>
<div id="hour-chart" class="chart" role="img" aria-label="${escape(t.chartLabel)}"></div>
<table id="hours"><thead><tr><th scope="col">${t.checkpoint}</th><th scope="col">${t.hour}</th><th scope="col">${t.screened}</th><th scope="col">${t.passed}</th><th scope="col">${t.held}</th><th scope="col">${t.fevers}</th></tr></thead>
<tbody>${hourRows || `<tr><td colspan="6">${t.noData}</td></tr>`}</tbody></table>
</section>
<section aria-labelledby="h-holds">
<h2 id="h-holds">${escape(t.holds)}</h2>
<p>${escape(t.openHolds)}: <strong id="open-holds">${data.openHolds}</strong></p>
${resolutions ? `<ul id="resolutions">${resolutions}</ul>` : ''}
<table id="holds"><thead><tr><th scope="col">${t.time}</th><th scope="col">${t.checkpoint}</th><th scope="col">${t.kiosk}</th><th scope="col">${t.idNumber}</th><th scope="col">${t.fevers}</th><th scope="col">${t.colour}</th><th scope="col">${t.resolution}</th></tr></thead>
<tbody>${holdRows || `<tr><td colspan="7">${t.noData}</td></tr>`}</tbody></table>
</section>
<section aria-labelledby="h-kiosks">
<h2 id="h-kiosks">${escape(t.kiosks)}</h2>
<table id="kiosks"><thead><tr><th scope="col">${t.checkpoint}</th><th scope="col">${t.kiosk}</th><th scope="col">${t.state}</th><th scope="col">${t.lastSeen}</th><th scope="col">${t.backlog}</th><th scope="col">${t.rejected}</th><th scope="col">${t.oldestUnsent}</th><th scope="col">${t.calibration}</th><th scope="col">${t.auditChain}</th></tr></thead>
<tbody>${kioskRows || `<tr><td colspan="9">${t.noData}</td></tr>`}</tbody></table>
<p>${escape(t.conflicts)}: <strong id="conflicts">${data.conflicts}</strong></p>
</section>
<script type="application/json" id="dashboard-data">${json}</script>
</main>`,
    true,
  );
}
