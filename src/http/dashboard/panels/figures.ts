// A list of labelled figures (a <dl>): each value carries its snapshot path and raw number
// (data-field, data-value), so what the page shows can be checked against the API's JSON.

import { h } from '../dom.js';

/** One row: a label, the shown text, and where it comes from (path and raw value). */
export interface Figure {
  label: string;
  text: string;
  field?: string;
  value?: number | string | null;
  title?: string;
}

export function figureList(rows: readonly Figure[], className = 'figures'): HTMLElement {
  const list = h('dl', className);
  for (const r of rows) {
    const dd = h('dd', undefined, r.text);
    if (r.field !== undefined) {
      dd.dataset.field = r.field;
      dd.dataset.value = r.value === null || r.value === undefined ? 'null' : String(r.value);
    }
    if (r.title) dd.title = r.title;
    list.append(h('dt', undefined, r.label), dd);
  }
  return list;
}

/** A small table: a header row, then rows of cells. */
export function table(head: readonly string[], rows: readonly (string | HTMLElement)[][]): HTMLElement {
  const t = h('table', 'table mini');
  const tr = h('tr');
  for (const c of head) tr.append(h('th', undefined, c));
  t.append(h('thead'));
  t.firstElementChild?.append(tr);
  const body = h('tbody');
  for (const r of rows) {
    const row = h('tr');
    for (const c of r) {
      const td = h('td');
      if (typeof c === 'string') td.textContent = c;
      else td.append(c);
      row.append(td);
    }
    body.append(row);
  }
  t.append(body);
  return t;
}

/** A table cell's text with its path and raw value, for the same check as figureList's. */
export function cell(text: string, field: string, value: number | null): HTMLElement {
  const span = h('span', undefined, text);
  span.dataset.field = field;
  span.dataset.value = value === null ? 'null' : String(value);
  return span;
}
