// The completions report (/staff/reports?course=&from=&to=&date=&country=
// &profession=&organisation=&status=): its filters are the page's address,
// so a report can be kept and shared; the server counts the rows before
// anything is downloaded, and the downloads are links to the streamed
// report (CSV, optionally with Excel's byte-order mark, NDJSON, JSON).
// Admins read /api/v1/admin/reports, instructors /api/v1/instructor/
// reports: their own courses only, and files without email addresses.
// What the dashboard (staff-summary.js) shares with it is here too.

import {
	h, add, t, getJSON, request, errorText, regionName, PROFESSIONS,
	ApiError,
} from './lib.js';
import { field, setError } from './staff-ui.js';
import { COUNTRIES } from './countries.js';

const DATES = ['enrolled', 'completed'];
const STATES = ['enrolled', 'in_progress', 'completed'];
const FORMATS = [['csv', 'staff.reports.csv'], ['ndjson',
	'staff.reports.ndjson'], ['json', 'staff.reports.json']];
export const FILTERS = ['course', 'from', 'to', 'date', 'country',
	'profession', 'organisation', 'state'];
// The address and the API call the status filter "status"; here it is
// "state", as every page names a status it shows.
const PARAM = { state: 'status' };

export function render(root, ctx) {
	return report(root, ctx);
}

// The API's base for the caller: admins see every course and emails.
export function reportsApi(ctx) {
	return ctx.user.role === 'admin' ? '/api/v1/admin/reports' :
		'/api/v1/instructor/reports';
}

// The filters named in the page's address, among those the page offers.
export function filtersOf(ctx, names) {
	const f = {};
	for (const k of names) {
		const v = (ctx.query.get(PARAM[k] || k) || '').trim();
		if (v)
			f[k] = v;
	}
	return f;
}

export function queryOf(f) {
	const q = new URLSearchParams();
	for (const [k, v] of Object.entries(f))
		q.set(PARAM[k] || k, v);
	return q;
}

// The courses the caller may report on (admins: all of them).
export function staffCourses() {
	return getJSON('/api/v1/instructor/courses').then((r) => r.courses,
		() => []);
}

export function courseField(id, courses, chosen) {
	const known = courses.some((c) => c.slug === chosen);
	return field(id, t('staff.reports.course'), h('select', null,
		h('option', { value: '' }, t('staff.reports.allCourses')),
		courses.map((c) => h('option', { value: c.slug,
			selected: c.slug === chosen }, `${c.title} (${c.slug})`)),
		chosen && !known ? h('option', { value: chosen, selected: true },
			chosen) : null));
}

export function dayField(id, key, value) {
	return field(id, t(key), h('input', { type: 'date', value: value || '' }),
		{ optional: true });
}

// A form of filters that goes to path with what was chosen.
export function filterForm(ctx, path, fields, label) {
	const form = h('form', { role: 'search', class: 'filters',
		'aria-label': label },
	Object.values(fields).map((x) => x.wrap),
	h('div', { class: 'actions' },
		h('button', { type: 'submit' }, t('staff.reports.apply')),
		ctx.query.toString() ? h('a', { href: path,
			class: 'button secondary' }, t('staff.reports.clear')) : null));
	form.addEventListener('submit', (e) => {
		e.preventDefault();
		const f = {};
		for (const [k, x] of Object.entries(fields)) {
			const v = x.input.value.trim();
			if (v)
				f[k] = v;
		}
		const s = queryOf(f).toString();
		ctx.navigate(s ? `${path}?${s}` : path);
	});
	return form;
}

// A refusal of the filters (400 invalid_query, 404 course_not_found,
// 403 not_your_course) said at the field it names, else for the page.
export function filterFailure(e, fields) {
	const name = e instanceof ApiError ?
		(e.field === 'status' ? 'state' : e.field) ||
		(e.code === 'course_not_found' || e.code === 'not_your_course' ?
			'course' : null) : null;
	const f = name ? fields[name] : null;
	if (f)
		setError(f, errorText(e, `staff.reports.bad.${name}`));
	return h('p', { role: 'alert', class: 'notice', id: 'reports-failed' },
		errorText(e, name ? `staff.reports.bad.${name}` : null));
}

// ---------------------------------------------------------------- report

function reportFields(courses, f) {
	const choose = (id, key, values, chosen, words, any) =>
		field(id, t(key), h('select', null,
			h('option', { value: '' }, t(any)),
			values.map((v) => h('option', { value: v, selected: v === chosen },
				words(v)))));
	const countries = COUNTRIES.map((c) => [c, regionName(c)])
		.sort((a, b) => a[1].localeCompare(b[1]));
	return {
		course: courseField('rep-course', courses, f.course),
		from: dayField('rep-from', 'staff.reports.from', f.from),
		to: dayField('rep-to', 'staff.reports.to', f.to),
		date: choose('rep-date', 'staff.reports.dateOf', DATES, f.date,
			(d) => t(`staff.reports.dateOf.${d}`),
			'staff.reports.dateOf.default'),
		country: field('rep-country', t('staff.reports.country'),
			h('select', null, h('option', { value: '' },
				t('staff.reports.anyCountry')),
			countries.map(([c, name]) => h('option', { value: c,
				selected: c === f.country }, name)))),
		profession: choose('rep-profession', 'staff.reports.profession',
			PROFESSIONS, f.profession, (p) => t(`profession.${p}`),
			'staff.reports.anyProfession'),
		organisation: field('rep-organisation',
			t('staff.reports.organisation'), h('input', { type: 'text',
				value: f.organisation || '', spellcheck: 'false' }),
			{ optional: true, hint: t('staff.reports.organisationHint') }),
		state: choose('rep-state', 'staff.reports.state', STATES, f.state,
			(s) => t(`staff.reports.state.${s}`), 'staff.reports.anyState'),
	};
}

async function report(root, ctx) {
	ctx.setTitle(t('staff.reports.title'));
	const f = filtersOf(ctx, FILTERS);
	const base = reportsApi(ctx);
	const admin = ctx.user.role === 'admin';
	const courses = await staffCourses();
	if (!ctx.current())
		return;
	const fields = reportFields(courses, f);
	add(root, h('h1', null, t('staff.reports.title')),
		h('p', { class: 'lead' }, t(admin ? 'staff.reports.leadAdmin' :
			'staff.reports.leadInstructor')),
		h('p', null, h('a', { href: `/staff/reports/summary${
			summaryQuery(f)}` }, t('staff.reports.toSummary'))),
		filterForm(ctx, '/staff/reports', fields,
			t('staff.reports.filters')));

	const q = queryOf(f);
	const countUrl = `${base}/completions/count${q.size ? `?${q}` : ''}`;
	let data;
	try {
		data = await getJSON(countUrl);
	} catch (e) {
		if (ctx.current())
			add(root, filterFailure(e, fields));
		return;
	}
	if (!ctx.current())
		return;
	const count = h('p', { role: 'status', id: 'reports-count' },
		rowsText(data.rows, f));
	add(root, count, downloads(base, q, countUrl, count, f, admin));
}

function rowsText(n, f) {
	return t(Object.keys(f).length ? 'staff.reports.rowsFiltered' :
		'staff.reports.rows', { n });
}

// The dashboard's filters are the report's course and days.
function summaryQuery(f) {
	const q = queryOf(Object.fromEntries(Object.entries(f).filter(([k]) =>
		['course', 'from', 'to'].includes(k))));
	return q.size ? `?${q}` : '';
}

// The downloads: links to the streamed report with the page's filters.
// Before the browser follows one, the count is asked again: it says what
// the file will hold now, and refreshes an expired session (the download
// itself is the browser's, which cannot).
function downloads(base, q, countUrl, count, f, admin) {
	const bom = h('input', { type: 'checkbox', id: 'rep-bom' });
	const links = FORMATS.map(([fmt, key]) => {
		const a = h('a', { class: 'button secondary', download: '',
			'data-format': fmt }, t(key));
		a.addEventListener('click', (e) => fresh(e, a, countUrl, count, f));
		return a;
	});
	const hrefs = () => {
		for (const a of links) {
			const p = new URLSearchParams(q);
			p.set('format', a.dataset.format);
			if (a.dataset.format === 'csv' && bom.checked)
				p.set('bom', '1');
			a.href = `${base}/completions?${p}`;
		}
	};
	bom.addEventListener('change', hrefs);
	hrefs();
	return h('section', { class: 'panel', 'aria-labelledby': 'rep-dl-h' },
		h('h2', { id: 'rep-dl-h' }, t('staff.reports.download')),
		h('p', null, t(admin ? 'staff.reports.columnsAdmin' :
			'staff.reports.columnsInstructor')),
		h('div', { class: 'check' }, bom,
			h('label', { for: 'rep-bom' }, t('staff.reports.bom'))),
		h('p', { class: 'hint' }, t('staff.reports.bomHint')),
		h('p', { class: 'buttons', id: 'rep-downloads' }, links));
}

async function fresh(e, a, countUrl, count, f) {
	if (a.dataset.checked === '1') {
		delete a.dataset.checked;
		return;
	}
	e.preventDefault();
	try {
		const r = await request('GET', countUrl);
		count.textContent = rowsText(r.rows, f);
	} catch (x) {
		count.textContent = errorText(x);
		return;
	}
	a.dataset.checked = '1';
	a.click();
}
