// ECharts ships its locale objects without type declarations: they have the shape registerLocale takes.
declare module 'echarts/i18n/langZH-obj.js' {
  const locale: Parameters<typeof import('echarts/core').registerLocale>[1];
  export default locale;
}
