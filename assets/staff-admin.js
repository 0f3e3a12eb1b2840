// The admin's pages: accounts (search, pages, role and disabling, each
// asked once more), the audit log (a page at a time, filtered by the
// server), and bulk enrollment from a CSV file with each row's result.

import {
	h, add, t, api, getJSON, request, errorText, fmtDate, fmtNumber,
} from './lib.js';
import {
	field, formError, showError, clearErrors, confirmButton, pageOf, pager,
	setError,
} from './staff-ui.js';

const ROLES = ['learner', 'instructor', 'admin'];

export async function render(root, ctx) {
	if (ctx.name === 'audit')
		return audit(root, ctx);
	if (ctx.name === 'enrollments')
		return enrollments(root, ctx);
	return users(root, ctx);
}

// ---------------------------------------------------------------- users

async function users(root, ctx) {
	ctx.setTitle(t('staff.users.title'));
	const q = ctx.query.get('q') || '';
	const page = pageOf(ctx);
	const search = field('users-q', t('staff.users.search'),
		h('input', { type: 'search', name: 'q', value: q }));
	const form = h('form', { role: 'search', class: 'filters' },
		search.wrap, h('div', { class: 'actions' },
			h('button', { type: 'submit' }, t('staff.users.find'))));
	form.addEventListener('submit', (e) => {
		e.preventDefault();
		const v = search.input.value.trim();
		ctx.navigate(v ? `/staff/users?q=${encodeURIComponent(v)}` :
			'/staff/users');
	});
	const said = h('p', { role: 'status', id: 'users-said' });
	add(root, h('h1', null, t('staff.users.title')), form, said);

	const params = new URLSearchParams();
	if (q)
		params.set('q', q);
	params.set('page', String(page));
	let data;
	try {
		data = await getJSON(`/api/v1/admin/users?${params}`);
	} catch (e) {
		add(root, h('p', { role: 'alert', class: 'notice' }, errorText(e)));
		return;
	}
	if (!ctx.current())
		return;
	said.textContent = t('staff.users.found', { n: data.total });
	add(root, h('ul', { class: 'cards', id: 'users' },
		data.users.map((u) => userCard(u, said))),
	pager(q ? { q } : {}, page, page * data.page_size < data.total));
}

function userCard(u, said) {
	const id = `user-${u.id}`;
	const state = h('p', { class: 'status' });
	const role = h('select', { id: `${id}-role` }, ROLES.map((r) =>
		h('option', { value: r, selected: r === u.role },
			t(`staff.role.${r}`))));
	const err = formError();
	const drawState = () => {
		state.replaceChildren(t(`staff.role.${u.role}`), ' · ',
			t(u.disabled ? 'staff.users.disabled' : 'staff.users.active'));
	};
	const patch = async (body, doneKey) => {
		clearErrors({}, err);
		try {
			const changed = await api.patch(`/api/v1/admin/users/${u.id}`,
				body);
			Object.assign(u, changed);
			drawState();
			role.value = u.role;
			redrawToggle();
			said.textContent = t(doneKey, { name: u.display_name });
		} catch (e) {
			role.value = u.role;
			showError(err, errorText(e, 'staff.error.userChange'));
		}
	};
	const roleButton = confirmButton(t('staff.users.changeRole'),
		() => t('staff.users.roleAsk', { name: u.display_name,
			role: t(`staff.role.${role.value}`) }),
		t('staff.users.roleYes'),
		() => patch({ role: role.value }, 'staff.users.roleChanged'));
	const toggleBox = h('span');
	const redrawToggle = () => {
		toggleBox.replaceChildren(u.disabled ?
			confirmButton(t('staff.users.enable'),
				t('staff.users.enableAsk', { name: u.display_name }),
				t('staff.users.enableYes'),
				() => patch({ disabled: false }, 'staff.users.enabled')) :
			confirmButton(t('staff.users.disable'),
				t('staff.users.disableAsk', { name: u.display_name }),
				t('staff.users.disableYes'),
				() => patch({ disabled: true }, 'staff.users.disabledNow')));
	};
	drawState();
	redrawToggle();
	return h('li', { class: 'card', 'data-email': u.email },
		h('h2', null, u.display_name),
		h('p', null, u.email),
		state,
		h('p', { class: 'muted' }, t('staff.users.since',
			{ date: fmtDate(u.created_at) })),
		err,
		h('div', { class: 'field' }, h('label', { for: `${id}-role` },
			t('staff.users.role')), role),
		h('div', { class: 'buttons' }, roleButton, toggleBox));
}

// ---------------------------------------------------------------- audit

// The filters of the audit page's address (?action=&actor=&target=&from=
// &to=, the dates as the form's date inputs give them), and the API's
// arguments for them: a day from its local midnight to the next one's.
const AUDIT_FILTERS = ['action', 'actor', 'target', 'from', 'to'];

function auditQuery(ctx) {
	const f = {};
	for (const k of AUDIT_FILTERS) {
		const v = (ctx.query.get(k) || '').trim();
		if (v)
			f[k] = v;
	}
	return f;
}

function localDay(day, plus) {
	const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day || '');
	if (!m)
		return null;
	const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + plus);
	return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

function auditApi(f, page) {
	const q = new URLSearchParams();
	for (const k of ['action', 'actor', 'target']) {
		if (f[k])
			q.set(k, f[k]);
	}
	const since = localDay(f.from, 0);
	const until = localDay(f.to, 1);
	if (since)
		q.set('since', since);
	if (until)
		q.set('until', until);
	q.set('page', String(page));
	return `/api/v1/admin/audit?${q}`;
}

async function audit(root, ctx) {
	ctx.setTitle(t('staff.audit.title'));
	const page = pageOf(ctx);
	const f = auditQuery(ctx);
	add(root, h('h1', null, t('staff.audit.title')),
		h('p', { class: 'lead' }, t('staff.audit.lead')));
	let data;
	try {
		data = await getJSON(auditApi(f, page));
	} catch (e) {
		add(root, auditForm(ctx, f, f.action ? [f.action] : [], e),
			h('p', { role: 'alert', class: 'notice' }, errorText(e)));
		return;
	}
	if (!ctx.current())
		return;
	const count = h('p', { role: 'status', id: 'audit-count' },
		t(Object.keys(f).length ? 'staff.audit.shownFiltered' :
			'staff.audit.shown', { n: data.entries.length }));
	const list = h('ol', { class: 'audit', id: 'audit' },
		data.entries.map(entry));
	add(root, auditForm(ctx, f, data.actions), count, list,
		pager(f, page, data.entries.length === data.page_size));
}

// The filters, applied by the server: the form goes to the page's address
// with them, so a filtered page can be kept, shared and paged.
function auditForm(ctx, f, actions, failed) {
	const fields = {
		action: field('audit-action', t('staff.audit.action'),
			h('select', null, h('option', { value: '' }, t('staff.audit.all')),
				[...new Set([...actions, f.action].filter(Boolean))].sort()
					.map((a) => h('option', { value: a,
						selected: a === f.action }, a)))),
		actor: field('audit-actor', t('staff.audit.byWho'),
			h('input', { type: 'text', value: f.actor || '',
				autocapitalize: 'none', spellcheck: 'false' }),
			{ optional: true, hint: t('staff.audit.byWhoHint') }),
		target: field('audit-target', t('staff.audit.onWhat'),
			h('input', { type: 'text', value: f.target || '',
				autocapitalize: 'none', spellcheck: 'false' }),
			{ optional: true, hint: t('staff.audit.onWhatHint') }),
		from: field('audit-from', t('staff.audit.from'),
			h('input', { type: 'date', value: f.from || '' }),
			{ optional: true }),
		to: field('audit-to', t('staff.audit.to'),
			h('input', { type: 'date', value: f.to || '' }),
			{ optional: true }),
	};
	if (failed && failed.field) {
		const name = { since: 'from', until: 'to' }[failed.field] ||
			failed.field;
		if (fields[name])
			setError(fields[name], t(`staff.error.field.audit_${name}`));
	}
	const form = h('form', { role: 'search', class: 'filters',
		'aria-label': t('staff.audit.filters') },
	Object.values(fields).map((x) => x.wrap),
	h('div', { class: 'actions' },
		h('button', { type: 'submit' }, t('staff.audit.apply')),
		Object.keys(f).length ? h('a', { href: '/staff/audit',
			class: 'button secondary' }, t('staff.audit.clear')) : null));
	form.addEventListener('submit', (e) => {
		e.preventDefault();
		const q = new URLSearchParams();
		for (const [k, x] of Object.entries(fields)) {
			const v = x.input.value.trim();
			if (v)
				q.set(k, v);
		}
		const s = q.toString();
		ctx.navigate(s ? `/staff/audit?${s}` : '/staff/audit');
	});
	return form;
}

function entry(e) {
	return h('li', { class: 'card', 'data-action': e.action },
		h('h2', null, e.action),
		h('p', null, h('time', { datetime: e.at }, fmtDate(e.at, true))),
		h('dl', { class: 'facts' },
			h('dt', null, t('staff.audit.actor')),
			h('dd', null, e.actor_role ? `${t(`staff.role.${e.actor_role}`)} ` :
				'', h('code', null, e.actor_id || '–')),
			h('dt', null, t('staff.audit.target')),
			h('dd', null, `${e.target_type} `, h('code', null,
				e.target_id || '–')),
			h('dt', null, t('staff.audit.details')),
			h('dd', null, h('code', { class: 'details' },
				JSON.stringify(e.details)))));
}

// ---------------------------------------------------------------- bulk enrollment

async function enrollments(root, ctx) {
	ctx.setTitle(t('staff.import.title'));
	const input = h('input', { type: 'file', accept: '.csv,text/csv' });
	const f = field('import-file', t('staff.import.file'), input,
		{ hint: t('staff.import.hint') });
	const err = formError();
	const submit = h('button', { type: 'submit' }, t('staff.import.send'));
	const results = h('div', { id: 'import-results' });
	const form = h('form', { novalidate: true, 'aria-labelledby': 'imp-h' },
		err, f.wrap, h('p', null, submit));
	add(root, h('h1', { id: 'imp-h' }, t('staff.import.title')), form,
		results);
	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		clearErrors({ f }, err);
		results.replaceChildren();
		const file = input.files[0];
		if (!file) {
			showError(err, t('staff.import.choose'));
			return;
		}
		submit.disabled = true;
		try {
			const csv = await file.text();
			const r = await request('POST', '/api/v1/admin/enrollments/import',
				{ raw: csv, headers: { 'Content-Type': 'text/csv' } });
			showResults(results, r);
		} catch (x) {
			showError(err, errorText(x, 'staff.error.import'));
		} finally {
			submit.disabled = false;
		}
	});
}

function showResults(box, r) {
	const summary = Object.entries(r.summary || {}).map(([k, n]) =>
		h('li', null, t(`staff.import.result.${k}`), ': ', fmtNumber(n)));
	box.replaceChildren(
		h('h2', { id: 'results-h', tabindex: '-1' }, t('staff.import.results')),
		h('ul', { class: 'summary' }, summary),
		h('div', { class: 'table-wrap', tabindex: '0', role: 'region',
			'aria-labelledby': 'results-h' },
		h('table', { class: 'results' },
			h('thead', null, h('tr', null,
				h('th', { scope: 'col' }, t('staff.import.line')),
				h('th', { scope: 'col' }, t('form.email')),
				h('th', { scope: 'col' }, t('staff.import.course')),
				h('th', { scope: 'col' }, t('staff.import.result')))),
			h('tbody', null, r.results.map((x) => h('tr', {
				class: x.result, 'data-line': String(x.line) },
			h('td', null, fmtNumber(x.line)),
			h('td', null, x.email || '–'),
			h('td', null, x.course || '–'),
			h('td', null, t(`staff.import.result.${x.result}`))))))));
	box.querySelector('h2').focus();
}
