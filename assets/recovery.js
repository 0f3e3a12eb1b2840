// A forgotten password: the address form (/forgot-password), "check your
// email" (/check-email), and choosing a new password from the mailed link
// (/reset-password#token=...). The server answers the address form the
// same way whether or not an account uses the address, and so does this
// page: it always goes on to "check your email", and never says whether
// the address is known.

import {
	h, add, t, api, ApiError, isTransient, errorText, linkToken,
	maybeSignedIn, forgetSession,
} from './lib.js';
import {
	field, setError, clearErrors, showFormError, passwordInput, formError,
	required, apiFailure,
} from './account.js';

// The server's rule for a new password is the sign-up's; this is its
// first half, said before the round trip (the common-password half is the
// server's 422).
const PASSWORD_MIN = 12;

export function render(root, ctx) {
	if (ctx.name === 'forgot')
		forgot(root, ctx);
	else if (ctx.name === 'check')
		checkEmail(root, ctx);
	else
		reset(root, ctx);
}

function forgot(root, ctx) {
	ctx.setTitle(t('forgot.title'));
	const fields = {
		email: field('forgot-email', t('form.email'), h('input', {
			type: 'email', name: 'email', autocomplete: 'username',
			autocapitalize: 'none', spellcheck: 'false', required: true })),
	};
	const err = formError();
	const submit = h('button', { type: 'submit' }, t('forgot.submit'));
	const form = h('form', { novalidate: true, class: 'stack',
		'aria-labelledby': 'forgot-h' }, err, fields.email.wrap,
	h('p', null, submit));
	add(root, h('h1', { id: 'forgot-h' }, t('forgot.title')),
		h('p', { class: 'lead' }, t('forgot.lead')), form,
		h('p', null, h('a', { href: '/signin' }, t('forgot.back'))));

	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		clearErrors(fields, err);
		if (!required(fields, ['email']))
			return;
		const email = fields.email.input.value.trim();
		if (!/^[^\s@]+@[^\s@]+$/.test(email)) {
			setError(fields.email, t('error.field.email'));
			fields.email.input.focus();
			return;
		}
		submit.disabled = true;
		try {
			await api.post('/api/v1/auth/password-reset', { email });
		} catch (ex) {
			// Only a request that did not get through is worth saying:
			// any answer of the server's goes on as an accepted one.
			if (!(ex instanceof ApiError) || isTransient(ex.status)) {
				submit.disabled = false;
				showFormError(err, errorText(ex));
				err.focus();
				return;
			}
		}
		if (ctx.current())
			ctx.navigate('/check-email');
	});
}

function checkEmail(root, ctx) {
	ctx.setTitle(t('checkEmail.title'));
	add(root, h('h1', null, t('checkEmail.title')),
		h('p', { class: 'lead' }, t('checkEmail.lead')),
		h('p', null, t('checkEmail.expiry')),
		h('p', null, t('checkEmail.none'), ' ',
			h('a', { href: '/forgot-password' }, t('checkEmail.again'))),
		h('p', null, h('a', { href: '/signin' }, t('forgot.back'))));
}

// A link that was used, has expired, or was never whole: said plainly,
// with the way to a new one.
function badLink(root, ctx) {
	ctx.setTitle(t('reset.badTitle'));
	root.replaceChildren(h('h1', { tabindex: '-1' }, t('reset.badTitle')),
		h('p', null, t('reset.badBody')),
		h('p', null, h('a', { class: 'button', href: '/forgot-password' },
			t('reset.askAgain'))));
}

function reset(root, ctx) {
	const token = linkToken();
	if (!token) {
		badLink(root, ctx);
		return;
	}
	ctx.setTitle(t('reset.title'));
	const pw = passwordInput('reset-password', 'new-password');
	const again = h('input', { type: 'password', name: 'confirm',
		autocomplete: 'new-password', required: true });
	const fields = {
		password: field('reset-password', t('reset.password'), pw.input,
			{ hint: t('form.passwordHint'), control: pw.control }),
		confirm: field('reset-confirm', t('reset.confirm'), again),
	};
	const err = formError();
	const submit = h('button', { type: 'submit' }, t('reset.submit'));
	const form = h('form', { novalidate: true, class: 'stack',
		'aria-labelledby': 'reset-h' }, err, fields.password.wrap,
	fields.confirm.wrap, h('p', null, submit));
	add(root, h('h1', { id: 'reset-h' }, t('reset.title')),
		h('p', { class: 'lead' }, t('reset.lead')), form);

	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		clearErrors(fields, err);
		if (!required(fields, ['password', 'confirm']))
			return;
		const password = fields.password.input.value;
		if ([...password].length < PASSWORD_MIN) {
			setError(fields.password, t('error.field.password'));
			fields.password.input.focus();
			return;
		}
		if (fields.confirm.input.value !== password) {
			setError(fields.confirm, t('reset.mismatch'));
			fields.confirm.input.focus();
			return;
		}
		submit.disabled = true;
		try {
			await api.post('/api/v1/auth/password-reset/confirm',
				{ token, password }, { noRefresh: true });
		} catch (ex) {
			submit.disabled = false;
			if (!ctx.current())
				return;
			if (ex instanceof ApiError && ex.code === 'invalid_token') {
				badLink(root, ctx);
				root.querySelector('h1').focus();
				return;
			}
			apiFailure(ex, fields, err);
			return;
		}
		// The new password ended every session of the account, this
		// browser's too.
		if (maybeSignedIn())
			forgetSession();
		ctx.navigate('/signin?reset=done', { replace: true });
	});
}
