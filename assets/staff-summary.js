// The reports' dashboard (/staff/reports/summary?course=&from=&to=): per
// course enrolled, active in the last 30 days, completed, completion rate,
// median days to complete and mean best score as a table; completions per
// week, by country and by profession as bar charts the page draws in SVG
// (no chart library). A chart is a picture for the eye: each one's
// numbers are also a table, which is what a screen reader reads.

import {
	h, add, t, getJSON, fmtNumber, fmtDate, regionName,
} from './lib.js';
import {
	reportsApi, filtersOf, queryOf, staffCourses, courseField, dayField,
	filterForm, filterFailure,
} from './staff-reports.js';

const SVG = 'http://www.w3.org/2000/svg';

export async function render(root, ctx) {
	ctx.setTitle(t('staff.summary.title'));
	const f = filtersOf(ctx, ['course', 'from', 'to']);
	const courses = await staffCourses();
	if (!ctx.current())
		return;
	const fields = {
		course: courseField('sum-course', courses, f.course),
		from: dayField('sum-from', 'staff.summary.from', f.from),
		to: dayField('sum-to', 'staff.summary.to', f.to),
	};
	const q = queryOf(f);
	add(root, h('h1', null, t('staff.summary.title')),
		h('p', { class: 'lead' }, t('staff.summary.lead')),
		h('p', null, h('a', { href: `/staff/reports${q.size ? `?${q}` : ''}` },
			t('staff.summary.toReport'))),
		filterForm(ctx, '/staff/reports/summary', fields,
			t('staff.reports.filters')));
	let s;
	try {
		s = await getJSON(`${reportsApi(ctx)}/summary${q.size ? `?${q}` : ''}`);
	} catch (e) {
		if (ctx.current())
			add(root, filterFailure(e, fields));
		return;
	}
	if (!ctx.current())
		return;
	add(root, h('p', { class: 'muted', id: 'sum-generated' },
		t('staff.summary.generated', { at: fmtDate(s.generated_at, true) })),
	courseTable(s.courses),
	chart('sum-weekly', t('staff.summary.weekly'),
		t('staff.summary.week'), s.weekly.map((w) => ({
			key: w.week, label: weekLabel(w.week), value: w.completions,
		}))),
	groupChart('sum-country', t('staff.summary.byCountry'),
		t('staff.summary.country'), s.by_country.map((c) => ({
			...c, label: c.country ? regionName(c.country) :
				t('staff.summary.unknown'), key: c.country || '',
		}))),
	groupChart('sum-profession', t('staff.summary.byProfession'),
		t('staff.summary.profession'), s.by_profession.map((p) => ({
			...p, label: p.profession ? t(`profession.${p.profession}`) :
				t('staff.summary.unknown'), key: p.profession || '',
		}))));
}

// "YYYY-MM-DD" (a Monday) as the local day it names.
function weekLabel(day) {
	const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day || '');
	if (!m)
		return day;
	return t('staff.summary.weekOf', { day: fmtDate(new Date(Number(m[1]),
		Number(m[2]) - 1, Number(m[3])).toISOString()) });
}

function rate(r) {
	return r === null || r === undefined ? '–' :
		fmtNumber(r, { style: 'percent', maximumFractionDigits: 1 });
}

function maybe(n, opts) {
	return n === null || n === undefined ? '–' : fmtNumber(n, opts);
}

function courseTable(courses) {
	const cols = ['course', 'enrolled', 'active', 'completed', 'rate',
		'median', 'score'];
	const sec = h('section', { 'aria-labelledby': 'sum-courses-h' },
		h('h2', { id: 'sum-courses-h' }, t('staff.summary.courses')));
	if (!courses.length)
		return add(sec, h('p', null, t('staff.summary.none')));
	// Wider than a phone: it scrolls sideways, by keyboard too.
	return add(sec, h('div', { class: 'table-wrap', tabindex: '0',
		role: 'region', 'aria-labelledby': 'sum-courses-h' },
		h('table', { class: 'results', id: 'sum-courses' },
			h('thead', null, h('tr', null, cols.map((c) =>
				h('th', { scope: 'col' }, t(`staff.summary.col.${c}`))))),
			h('tbody', null, courses.map((c) => h('tr', { 'data-slug': c.slug },
				h('th', { scope: 'row', dir: 'auto' }, c.title),
				h('td', null, fmtNumber(c.enrolled)),
				h('td', null, fmtNumber(c.active_30d)),
				h('td', null, fmtNumber(c.completed)),
				h('td', null, rate(c.completion_rate)),
				h('td', null, maybe(c.median_days_to_complete,
					{ maximumFractionDigits: 1 })),
				h('td', null, maybe(c.mean_best_score,
					{ maximumFractionDigits: 1 }))))))));
}

// Completions by a group (country, profession): bars of completions, the
// table with enrolled and the rate too.
function groupChart(id, title, head, rows) {
	const items = rows.map((r) => ({ key: r.key, label: r.label,
		value: r.completed, extra: [fmtNumber(r.enrolled),
			rate(r.completion_rate)] }));
	return chart(id, title, head, items, [t('staff.summary.col.enrolled'),
		t('staff.summary.col.rate')]);
}

// A section with a horizontal bar chart of items ({key, label, value}),
// and the same numbers as a table for screen readers.
function chart(id, title, head, items, extraHeads = []) {
	const sec = h('section', { class: 'chart', id, 'aria-labelledby':
		`${id}-h` }, h('h2', { id: `${id}-h` }, title));
	if (!items.length)
		return add(sec, h('p', null, t('staff.summary.none')));
	// In a box of its own: a table is never narrower than its content,
	// which would widen the page on a phone.
	const table = h('div', { class: 'sr-only' }, h('table', null,
		h('caption', null, title),
		h('thead', null, h('tr', null, h('th', { scope: 'col' }, head),
			h('th', { scope: 'col' }, t('staff.summary.col.completed')),
			extraHeads.map((x) => h('th', { scope: 'col' }, x)))),
		h('tbody', null, items.map((x) => h('tr', { 'data-key': x.key },
			h('th', { scope: 'row' }, x.label),
			h('td', null, fmtNumber(x.value)),
			(x.extra || []).map((v) => h('td', null, v)))))));
	return add(sec, bars(items), table);
}

function svg(tag, attrs, ...children) {
	const el = document.createElementNS(SVG, tag);
	for (const [k, v] of Object.entries(attrs || {}))
		el.setAttribute(k, String(v));
	for (const c of children)
		el.append(c);
	return el;
}

// One row a bar: its label above, the bar scaled to the largest value
// (percentages, so it fits any width without shrinking the text), and the
// number after it. Hidden from screen readers, who read the table.
const ROW = 44;
const WIDEST = 82;

function bars(items) {
	const max = Math.max(1, ...items.map((x) => x.value));
	const g = items.map((x, i) => {
		const y = i * ROW;
		const w = x.value / max * WIDEST;
		return svg('g', { class: 'bar', 'data-key': x.key,
			'data-value': x.value },
		svg('text', { x: 0, y: y + 14, class: 'bar-label' }, x.label),
		svg('rect', { x: 0, y: y + 20, height: 16, width: `${w}%`,
			class: 'bar-fill' }),
		svg('text', { x: `${w + 1}%`, y: y + 33, class: 'bar-value' },
			fmtNumber(x.value)));
	});
	return svg('svg', { class: 'bars', width: '100%',
		height: items.length * ROW, 'aria-hidden': 'true',
		focusable: 'false' }, ...g);
}
