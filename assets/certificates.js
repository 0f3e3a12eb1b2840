// My certificates (/certificates): each certificate the learner has earned,
// its status in words (valid, expired or revoked, with the date), and what
// to do with it: download the PDF or the Open Badges credential, copy the
// public verification link, add it to a LinkedIn profile; once it has
// expired, take the course again for a new one.

import {
	h, add, t, api, getJSON, request, errorText, retryButton, fmtDate,
	saveBlob, copyText,
} from './lib.js';
import { expiresLabel } from './verify.js';

// The name certificates give as their issuer (the API's issuer.name).
const ISSUER = 'Safeguard Learn';

// The status's look: a border that repeats the words.
const LOOK = { valid: 'cert-valid', expired: 'cert-expired',
	revoked: 'cert-revoked' };

export async function render(root, ctx) {
	ctx.setTitle(t('certs.title'));
	add(root, h('h1', null, t('certs.title')),
		h('p', { class: 'lead' }, t('certs.lead')));
	// The enrollments say which expired certificates can be renewed (the
	// course completed, not started again); without them, all can try.
	const enrolled = getJSON('/api/v1/me/enrollments').then((r) =>
		r.enrollments, () => null);
	let data;
	try {
		data = await getJSON('/api/v1/me/certificates');
	} catch (e) {
		if (!ctx.current())
			return;
		add(root, h('p', { role: 'alert', class: 'notice' }, errorText(e)),
			h('p', null, retryButton(ctx)));
		return;
	}
	if (!ctx.current())
		return;
	const list = data.certificates || [];
	if (list.length === 0) {
		add(root, h('p', null, t('certs.empty')),
			h('p', null, h('a', { class: 'button', href: '/learning' },
				t('nav.learning'))));
		return;
	}
	const rounds = await enrolled;
	if (!ctx.current())
		return;
	// Newest first: only a course's newest certificate may lead to a
	// new round.
	const seen = new Set();
	add(root, h('ul', { class: 'cards', id: 'certificates' },
		list.map((c) => {
			const newest = !seen.has(c.course.slug);
			seen.add(c.course.slug);
			return card(c, newest ? renewal(c, rounds, ctx) : null);
		})));
}

// For an expired certificate, the newest of its course: take the course
// again (a new round, a new certificate at its end), or go on with the
// round already started.
function renewal(c, rounds, ctx) {
	if (c.status !== 'expired' || !c.course.slug)
		return null;
	const slug = encodeURIComponent(c.course.slug);
	const e = rounds && rounds.find((x) => (x.course ?
		x.course.slug : x.course_slug) === c.course.slug);
	if (rounds && !e)
		return null;
	if (e && !e.completed_at)
		return h('a', { class: 'button', href: `/courses/${slug}`,
			'data-action': 'round' }, t('certs.continueRound'),
		h('span', { class: 'sr-only' }, ` – ${c.course.title}`));
	const said = h('span', { role: 'status', class: 'renew-said' });
	const button = h('button', { type: 'button', 'data-action': 'renew' },
		t('certs.renew'), h('span', { class: 'sr-only' },
			` – ${c.course.title}`));
	button.addEventListener('click', async () => {
		button.disabled = true;
		said.textContent = '';
		try {
			await api.post(`/api/v1/courses/${slug}/enrollment/renew`);
		} catch (x) {
			button.disabled = false;
			said.textContent = errorText(x, 'certs.renewFailed');
			return;
		}
		ctx.announce(t('certs.renewed'));
		ctx.navigate(`/courses/${slug}`);
	});
	return h('div', { class: 'renew' }, h('p', null, t('certs.renewWhy')),
		button, ' ', said);
}

// The status as a sentence, never by colour alone.
export function statusWords(c) {
	if (c.status === 'revoked')
		return t('certs.status.revoked', { date: fmtDate(c.revoked_at) });
	if (c.status === 'expired')
		return t('certs.status.expired', { date: fmtDate(c.expires_at) });
	return t('certs.status.valid');
}

function card(c, renew) {
	const id = `cert-${c.id}`;
	const said = h('p', { class: 'cert-said', role: 'status',
		id: `${id}-said` });
	const title = c.course.title;
	const shareUrl = new URL(c.verify_path || `/verify/${c.code}`,
		location.origin).href;
	const share = h('input', { type: 'text', readonly: true,
		id: `${id}-link`, value: shareUrl, class: 'share-link',
		dir: 'ltr' });
	share.addEventListener('focus', () => share.select());
	const named = (key) => [t(key), h('span', { class: 'sr-only' },
		` – ${title}`)];

	const pdf = h('button', { type: 'button', class: 'secondary',
		'data-action': 'pdf' }, named('certs.pdf'));
	pdf.addEventListener('click', () => fetchFile(pdf, said,
		`/api/v1/certificates/${c.id}/pdf`, async (blob) => {
			saveBlob(blob, `certificate-${c.code}.pdf`);
			said.textContent = t('certs.pdfSaved');
		}));
	const cred = h('button', { type: 'button', class: 'secondary',
		'data-action': 'credential' }, named('certs.credential'));
	cred.addEventListener('click', () => fetchFile(cred, said,
		`/api/v1/certificates/${c.id}/credential`, async (blob) => {
			const jwt = await compactJws(blob);
			saveBlob(new Blob([jwt], { type: 'application/jwt' }),
				`certificate-${c.code}.jwt`);
			said.textContent = t('certs.credentialSaved');
		}));
	const copy = h('button', { type: 'button', class: 'secondary',
		'data-action': 'copy' }, named('certs.copy'));
	copy.addEventListener('click', async () => {
		said.textContent = '';
		if (await copyText(shareUrl)) {
			said.textContent = t('certs.copied');
			return;
		}
		// No clipboard: the link is selected for the learner to copy.
		share.focus();
		share.select();
		said.textContent = t('certs.copyByHand');
	});

	return h('li', { class: 'card cert', id, 'data-code': c.code,
		'data-status': c.status },
	h('article', { 'aria-labelledby': `${id}-h` },
		h('h2', { id: `${id}-h`, lang: c.course.language }, title),
		h('p', { class: 'cert-status ' + (LOOK[c.status] || '') },
			statusWords(c)),
		renew,
		h('dl', { class: 'facts cert-facts' },
			fact(t('verify.name'), c.name, { dir: 'auto' }),
			fact(t('verify.issued'), fmtDate(c.issued_at)),
			fact(expiresLabel(c), c.expires_at ? fmtDate(c.expires_at) :
				t('verify.noExpiry')),
			fact(t('verify.hours'), t('verify.hoursValue',
				{ hours: String(c.hours) })),
			fact(t('verify.code'), c.code, { dir: 'ltr' })),
		h('div', { class: 'field' },
			h('label', { for: `${id}-link` }, t('certs.shareLink')),
			h('div', { class: 'share' }, share, copy)),
		h('div', { class: 'buttons' }, pdf, cred,
			c.status === 'revoked' ? null : h('a', {
				class: 'button secondary', href: linkedIn(c, shareUrl),
				target: '_blank', rel: 'noopener noreferrer',
				'data-action': 'linkedin' }, t('certs.linkedin'),
			h('span', { class: 'sr-only' }, ` – ${title} `,
				t('certs.newTab')))),
		said));
}

function fact(label, value, attrs) {
	return h('div', null, h('dt', null, label), h('dd', attrs, value));
}

// Fetches a file of the certificate (with the session's refresh) and hands
// it on; the button waits meanwhile and failures are said in words.
async function fetchFile(button, said, url, done) {
	button.disabled = true;
	said.textContent = t('common.loading');
	try {
		await done(await request('GET', url, { blob: true }));
	} catch (e) {
		said.textContent = errorText(e, 'certs.fileFailed');
	} finally {
		button.disabled = false;
	}
}

// The credential route's answer: {code, format: "vc+jwt", jwt, credential}
// (docs/certificates.md); the file is the compact JWS, as wallets take it.
async function compactJws(blob) {
	const body = JSON.parse(await blob.text());
	if (typeof body.jwt !== 'string')
		throw new Error('no_jwt');
	return body.jwt;
}

// LinkedIn's "Add to profile" address for a certification
// (addtoprofile.linkedin.com): a plain link, no LinkedIn script here.
export function linkedIn(c, certUrl) {
	const q = new URLSearchParams({ startTask: 'CERTIFICATION_NAME',
		name: c.course.title, organizationName: ISSUER });
	const issued = new Date(c.issued_at);
	if (!Number.isNaN(issued.getTime())) {
		q.set('issueYear', String(issued.getUTCFullYear()));
		q.set('issueMonth', String(issued.getUTCMonth() + 1));
	}
	const ends = c.expires_at ? new Date(c.expires_at) : null;
	if (ends && !Number.isNaN(ends.getTime())) {
		q.set('expirationYear', String(ends.getUTCFullYear()));
		q.set('expirationMonth', String(ends.getUTCMonth() + 1));
	}
	q.set('certUrl', certUrl);
	q.set('certId', c.code);
	return `https://www.linkedin.com/profile/add?${q}`;
}
