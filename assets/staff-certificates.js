// The admins' certificates (/staff/certificates?course=&q=&status=&page=):
// search by course, text and status, 50 a page; revoke one with a reason,
// asked in a dialog first (the reason is for administrators and the audit
// log: verification says "revoked" and the date, never why); and download
// every PDF of a course as one zip.

import {
	h, add, t, api, getJSON, request, errorText, fmtDate, saveBlob,
	ApiError,
} from './lib.js';
import { field, formError, showError, setError, clearErrors, pager }
	from './staff-ui.js';
import { statusWords } from './certificates.js';
import { expiresLabel } from './verify.js';

const STATUSES = ['valid', 'expired', 'revoked'];
const LOOK = { valid: 'cert-valid', expired: 'cert-expired',
	revoked: 'cert-revoked' };

export async function render(root, ctx) {
	ctx.setTitle(t('staff.certs.title'));
	const course = ctx.query.get('course') || '';
	const q = ctx.query.get('q') || '';
	const status = STATUSES.includes(ctx.query.get('status')) ?
		ctx.query.get('status') : '';
	const n = Number(ctx.query.get('page'));
	const page = Number.isInteger(n) && n > 0 ? n : 1;

	const courses = await getJSON('/api/v1/instructor/courses')
		.then((r) => r.courses, () => []);
	if (!ctx.current())
		return;
	const form = searchForm(ctx, courses, { course, q, status });
	const said = h('p', { role: 'status', id: 'certs-said' });
	add(root, h('h1', null, t('staff.certs.title')), form, said);
	if (course)
		add(root, zipBox(course, courses));

	const params = new URLSearchParams();
	for (const [k, v] of Object.entries({ course, q, status }))
		if (v)
			params.set(k, v);
	params.set('page', String(page));
	let data;
	try {
		data = await getJSON(`/api/v1/admin/certificates?${params}`);
	} catch (e) {
		if (ctx.current())
			add(root, h('p', { role: 'alert', class: 'notice' },
				errorText(e)));
		return;
	}
	if (!ctx.current())
		return;
	said.textContent = t('staff.certs.found', { n: data.total });
	params.delete('page');
	add(root, h('ul', { class: 'cards', id: 'certs' },
		data.certificates.map((c) => card(c, said))),
	pager(params, page, page * data.page_size < data.total));
}

function searchForm(ctx, courses, now) {
	const course = field('certs-course', t('staff.certs.course'),
		h('select', { name: 'course' },
			h('option', { value: '' }, t('staff.certs.allCourses')),
			courses.map((c) => h('option', { value: c.slug,
				selected: c.slug === now.course }, `${c.title} (${c.slug})`))));
	const q = field('certs-q', t('staff.certs.search'),
		h('input', { type: 'search', name: 'q', value: now.q }),
	{ hint: t('staff.certs.searchHint') });
	const status = field('certs-status', t('staff.certs.status'),
		h('select', { name: 'status' },
			h('option', { value: '' }, t('staff.certs.anyStatus')),
			STATUSES.map((s) => h('option', { value: s,
				selected: s === now.status }, t(`staff.certs.is.${s}`)))));
	const form = h('form', { role: 'search', class: 'filters' },
		course.wrap, q.wrap, status.wrap,
		h('div', { class: 'actions' },
			h('button', { type: 'submit' }, t('staff.users.find'))));
	form.addEventListener('submit', (e) => {
		e.preventDefault();
		const p = new URLSearchParams();
		if (course.input.value)
			p.set('course', course.input.value);
		if (q.input.value.trim())
			p.set('q', q.input.value.trim());
		if (status.input.value)
			p.set('status', status.input.value);
		const s = p.toString();
		ctx.navigate(s ? `/staff/certificates?${s}` : '/staff/certificates');
	});
	return form;
}

// ---------------------------------------------------------------- zip

function zipBox(slug, courses) {
	const c = courses.find((x) => x.slug === slug);
	const said = h('p', { role: 'status', id: 'zip-said' });
	const button = h('button', { type: 'button', class: 'secondary',
		id: 'zip' }, t('staff.certs.zip'));
	button.addEventListener('click', async () => {
		button.disabled = true;
		said.textContent = t('staff.certs.zipMaking');
		try {
			const blob = await request('GET', `/api/v1/admin/courses/${
				encodeURIComponent(slug)}/certificates.zip`, { blob: true });
			saveBlob(blob, `${slug}-certificates.zip`);
			said.textContent = t('staff.certs.zipSaved');
		} catch (e) {
			said.textContent = errorText(e, 'staff.certs.zipFailed');
		} finally {
			button.disabled = false;
		}
	});
	return h('section', { class: 'panel', 'aria-labelledby': 'zip-h' },
		h('h2', { id: 'zip-h' }, t('staff.certs.zipTitle')),
		h('p', null, t('staff.certs.zipLead', { title: c ? c.title : slug })),
		h('p', null, button), said);
}

// ---------------------------------------------------------------- a certificate

function card(c, said) {
	const li = h('li', { class: 'card cert', 'data-code': c.code });
	const draw = () => {
		const id = `cert-${c.id}`;
		const revoke = c.status === 'revoked' ? null :
			h('button', { type: 'button', class: 'secondary',
				'data-action': 'revoke' }, t('staff.certs.revoke'),
			h('span', { class: 'sr-only' }, ` – ${c.code}`));
		if (revoke)
			revoke.addEventListener('click', () => askRevoke(c, revoke,
				(changed) => {
					Object.assign(c, changed);
					draw();
					said.textContent = t('staff.certs.revoked',
						{ code: c.code });
					li.querySelector('.cert-status').focus();
				}));
		li.dataset.status = c.status;
		li.replaceChildren(h('h2', { id: `${id}-h`, dir: 'auto' }, c.name),
			h('p', { class: 'cert-status ' + (LOOK[c.status] || ''),
				tabindex: '-1' }, statusWords(c)),
			h('dl', { class: 'facts cert-facts' },
				fact(t('staff.certs.courseTitle'), c.course.title,
					{ lang: c.course.language }),
				fact(t('form.email'), c.email),
				fact(t('verify.code'), c.code, { dir: 'ltr' }),
				fact(t('verify.issued'), fmtDate(c.issued_at)),
				fact(expiresLabel(c), c.expires_at ?
					fmtDate(c.expires_at) : t('verify.noExpiry')),
				c.revoke_reason ? fact(t('staff.certs.reason'),
					c.revoke_reason, { dir: 'auto' }) : null),
			h('p', { class: 'buttons' },
				h('a', { href: c.verify_path || `/verify/${c.code}`,
					class: 'button secondary' }, t('staff.certs.verifyPage'),
				h('span', { class: 'sr-only' }, ` – ${c.code}`)),
				revoke));
	};
	draw();
	return li;
}

function fact(label, value, attrs) {
	return h('div', null, h('dt', null, label), h('dd', attrs, value));
}

// Asks in a modal dialog, with the reason: nothing changes before the
// yes. Escape or Cancel closes it, and focus goes back to the button.
function askRevoke(c, opener, done) {
	const reason = field('revoke-reason', t('staff.certs.reasonLabel'),
		h('textarea', { rows: '3', maxlength: '500', required: true }),
		{ hint: t('staff.certs.reasonHint') });
	const err = formError();
	const yes = h('button', { type: 'submit', class: 'danger' },
		t('staff.certs.revokeYes'));
	const cancel = h('button', { type: 'button', class: 'secondary' },
		t('staff.common.cancel'));
	const form = h('form', { method: 'dialog', novalidate: true }, err,
		reason.wrap, h('p', { class: 'buttons' }, yes, cancel));
	const dialog = h('dialog', { class: 'confirm-dialog',
		'aria-labelledby': 'revoke-h', 'aria-describedby': 'revoke-ask' },
	h('h2', { id: 'revoke-h' }, t('staff.certs.revokeTitle')),
	h('p', { id: 'revoke-ask' }, t('staff.certs.revokeAsk',
		{ name: c.name, code: c.code, title: c.course.title })),
	form);
	let changed = null;
	dialog.addEventListener('close', () => {
		dialog.remove();
		if (changed)
			done(changed);
		else
			opener.focus();
	});
	cancel.addEventListener('click', () => dialog.close());
	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		clearErrors({ reason }, err);
		const text = reason.input.value.trim();
		if (!text) {
			setError(reason, t('staff.certs.reasonNeeded'));
			reason.input.focus();
			return;
		}
		yes.disabled = true;
		try {
			const r = await api.post(`/api/v1/admin/certificates/${c.id}/revoke`,
				{ reason: text });
			changed = { ...r, revoke_reason: text };
			dialog.close();
		} catch (x) {
			if (x instanceof ApiError && x.field === 'reason') {
				setError(reason, errorText(x, 'staff.certs.reasonNeeded'));
				reason.input.focus();
			} else {
				showError(err, errorText(x));
			}
		} finally {
			yes.disabled = false;
		}
	});
	document.body.append(dialog);
	dialog.showModal();
	reason.input.focus();
}
