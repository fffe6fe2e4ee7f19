/**
 * Screen icons as inline SVG built with the DOM (no emoji font needed, nothing for the CSP to
 * allow). Each icon repeats what the words and the colour already say, so no signal stands alone.
 */
export type IconName = 'card' | 'thermometer' | 'remeasure' | 'check' | 'hold' | 'fault' | 'starting' | 'closed';

type Shape = [tag: 'path' | 'circle' | 'rect' | 'polyline' | 'polygon' | 'line', attrs: Record<string, string>];

const SHAPES: Record<IconName, Shape[]> = {
  card: [
    ['rect', { x: '2', y: '5', width: '20', height: '14', rx: '2' }],
    ['circle', { cx: '8', cy: '11', r: '2' }],
    ['path', { d: 'M5 16c1-2 5-2 6 0' }],
    ['line', { x1: '14', y1: '10', x2: '19', y2: '10' }],
    ['line', { x1: '14', y1: '14', x2: '19', y2: '14' }],
  ],
  thermometer: [
    ['path', { d: 'M14 14.76V3.5a2.5 2.5 0 0 0-5 0v11.26a4.5 4.5 0 1 0 5 0z' }],
    ['line', { x1: '11.5', y1: '8', x2: '11.5', y2: '16' }],
  ],
  remeasure: [
    ['path', { d: 'M21 12a9 9 0 1 1-2.64-6.36' }],
    ['polyline', { points: '21 3 21 9 15 9' }],
  ],
  check: [
    ['circle', { cx: '12', cy: '12', r: '10' }],
    ['polyline', { points: '7 12.5 10.5 16 17 8.5' }],
  ],
  hold: [
    ['polygon', { points: '8 2 16 2 22 8 22 16 16 22 8 22 2 16 2 8' }],
    ['line', { x1: '12', y1: '7', x2: '12', y2: '13' }],
    ['circle', { cx: '12', cy: '16.5', r: '0.6' }],
  ],
  fault: [
    ['polygon', { points: '12 3 22 20 2 20' }],
    ['line', { x1: '12', y1: '9', x2: '12', y2: '14' }],
    ['circle', { cx: '12', cy: '17', r: '0.6' }],
  ],
  closed: [
    ['circle', { cx: '12', cy: '12', r: '10' }],
    ['line', { x1: '6', y1: '12', x2: '18', y2: '12' }],
  ],
  starting: [
    ['path', { d: 'M6 2h12M6 22h12M7 2v3a5 5 0 0 0 10 0V2M7 22v-3a5 5 0 0 1 10 0v3' }],
  ],
};

const SVG_NS = 'http://www.w3.org/2000/svg';

export function iconElement(name: IconName): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('fill', 'none');
  svg.setAttribute('stroke', 'currentColor');
  svg.setAttribute('stroke-width', '1.8');
  svg.setAttribute('stroke-linecap', 'round');
  svg.setAttribute('stroke-linejoin', 'round');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', 'icon');
  svg.dataset.icon = name;
  for (const [tag, attrs] of SHAPES[name]) {
    const el = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    svg.append(el);
  }
  return svg;
}
