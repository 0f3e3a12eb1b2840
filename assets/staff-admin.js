// The admin's pages: accounts (search, pages, role and disabling, each
// asked once more), the audit log (a page at a time, filtered here), and
// bulk enrollment from a CSV file with each row's result.

import {
	h, add, t, api, getJSON, request, errorText, fmtDate, fmtNumber,
} from './lib.js';
import { field, formError, showError, clearErrors, confirmButton } from './staff-ui.js';

const ROLES = ['learner', 'instructor', 'admin'];

export async function render(root, ctx) {
	if (ctx.name === 'audit')
		return audit(root, ctx);
	if (ctx.name === 'enrollments')
		return enrollments(root, ctx);
	return users(root, ctx);
}

function pageOf(ctx) {
	const n = Number(ctx.query.get('page'));
	return Number.isInteger(n) && n > 0 ? n : 1;
}

// Previous and next, as links, so each page has its address.
function pager(base, page, hasNext) {
	const link = (p, key) => {
		const q = new URLSearchParams(base);
		q.set('page', String(p));
		return h('a', { href: `?${q}`, class: 'button secondary' }, t(key));
	};
	return h('nav', { class: 'buttons pager', 'aria-label':
		t('staff.common.pages') },
	page > 1 ? link(page - 1, 'staff.common.previous') : null,
	h('span', { class: 'muted' }, t('staff.common.page', { n: page })),
	hasNext ? link(page + 1, 'staff.common.next') : null);
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

async function audit(root, ctx) {
	ctx.setTitle(t('staff.audit.title'));
	const page = pageOf(ctx);
	add(root, h('h1', null, t('staff.audit.title')),
		h('p', { class: 'lead' }, t('staff.audit.lead')));
	let data;
	try {
		data = await getJSON(`/api/v1/admin/audit?page=${page}`);
	} catch (e) {
		add(root, h('p', { role: 'alert', class: 'notice' }, errorText(e)));
		return;
	}
	if (!ctx.current())
		return;

	const actions = [...new Set(data.entries.map((e) => e.action))].sort();
	const action = field('audit-action', t('staff.audit.action'),
		h('select', null, h('option', { value: '' }, t('staff.audit.all')),
			actions.map((a) => h('option', { value: a }, a))));
	const text = field('audit-text', t('staff.audit.text'),
		h('input', { type: 'search' }), { hint: t('staff.audit.textHint') });
	const count = h('p', { role: 'status', id: 'audit-count' });
	const list = h('ol', { class: 'audit', id: 'audit' });
	const apply = () => {
		const a = action.input.value;
		const needle = text.input.value.trim().toLowerCase();
		const shown = data.entries.filter((e) => (!a || e.action === a) &&
			(!needle || [e.actor_id, e.target_id, e.target_type,
				JSON.stringify(e.details)].some((v) => v &&
				String(v).toLowerCase().includes(needle))));
		count.textContent = t('staff.audit.shown', { n: shown.length,
			total: fmtNumber(data.entries.length) });
		list.replaceChildren(...shown.map(entry));
	};
	action.input.addEventListener('change', apply);
	text.input.addEventListener('input', apply);
	add(root, h('div', { class: 'filters' }, action.wrap, text.wrap), count,
		list, pager({}, page, data.entries.length === data.page_size));
	apply();
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
