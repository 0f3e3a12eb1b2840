// Public verification of a certificate (/verify/<code>): anyone holding its
// code, from the QR code on paper or a link, sees whether it is valid,
// expired or revoked, and what it certifies. The status is said in words
// at the top, not by colour alone, and the page prints on one sheet.

import { h, add, t, getJSON, errorText, fmtDate } from './lib.js';

export async function render(root, ctx) {
	// The path's own (encoded) form: the router's prefetch asked for the
	// same URL, so the two share one request and one place in the budget.
	const raw = ctx.match[1];
	let code = raw;
	try {
		code = decodeURIComponent(raw);
	} catch {
		// Shown as typed.
	}
	ctx.setTitle(t('verify.title'));
	let c;
	try {
		c = await getJSON(`/api/v1/verify/${raw}`);
	} catch (e) {
		if (!ctx.current())
			return;
		const unknown = e.status === 404;
		add(root, h('h1', { tabindex: '-1' }, t('verify.title')),
			h('p', { class: 'verify-status verify-unknown', role: 'status' },
				unknown ? t('verify.unknown', { code }) :
					e.status === 429 ? t('verify.throttled') :
						errorText(e)));
		return;
	}
	if (!ctx.current())
		return;
	add(root, h('h1', { tabindex: '-1' }, t('verify.title')),
		status(c),
		h('dl', { class: 'verify-facts' },
			fact(t('verify.name'), c.name, true),
			fact(t('verify.course'), c.course.title, c.course.language),
			fact(t('verify.hours'), t('verify.hoursValue',
				{ hours: String(c.hours) })),
			fact(t('verify.issued'), fmtDate(c.issued_at)),
			fact(expiresLabel(c), c.expires_at ?
				fmtDate(c.expires_at) : t('verify.noExpiry')),
			fact(t('verify.issuer'), c.issuer.name),
			fact(t('verify.code'), c.code)),
		// On paper: when and where this was checked, so a printout
		// says how to check it again.
		h('p', { class: 'verify-checked' }, t('verify.checked', {
			date: fmtDate(new Date().toISOString(), true),
			url: `${location.origin}/verify/${c.code}` })),
		h('p', { class: 'no-print' }, h('button', { type: 'button',
			class: 'secondary', onclick: () => window.print() },
		t('verify.print'))));
}

function status(c) {
	let text, look;
	if (c.status === 'revoked') {
		text = t('verify.revoked', { date: fmtDate(c.revoked_at) });
		look = 'verify-revoked';
	} else if (c.status === 'expired') {
		text = t('verify.expired', { date: fmtDate(c.expires_at) });
		look = 'verify-expired';
	} else {
		text = t('verify.valid');
		look = 'verify-valid';
	}
	return h('p', { class: 'verify-status ' + look, role: 'status' }, text);
}

// lang: the value's language when known (a course's), or true for a name,
// whose script and direction the browser must work out itself.
function fact(label, value, lang) {
	const attrs = lang === true ? { dir: 'auto' } :
		lang ? { lang, dir: 'auto' } : null;
	return h('div', null, h('dt', null, label), h('dd', attrs, value));
}

// "Valid until" only while it is: a revoked or expired certificate's date
// is just its expiry date.
export function expiresLabel(c) {
	return t(c.status === 'valid' ? 'verify.expires' : 'verify.expiryDate');
}
