// Sign in and sign up. The browser gets its session as HttpOnly cookies
// ("cookie": true); this code never sees a token. The server's field
// errors (422 with error.field) are shown next to the input they name.
// The form helpers are exported for the other account forms (recovery.js).

import {
	h, add, t, api, setUser, errorText, ApiError, LANGUAGES, PROFESSIONS,
	languageName, regionName, currentLanguage, localPath,
} from './lib.js';
import { afterSignIn } from './app.js';

export async function render(root, ctx) {
	if (ctx.name === 'signup')
		await signUp(root, ctx);
	else
		signIn(root, ctx);
}

// A labelled input with its hint and its error, tied together for
// assistive technology.
export function field(id, label, input, opts = {}) {
	input.id = id;
	const hint = opts.hint ? h('p', { class: 'hint', id: `${id}-hint` },
		opts.hint) : null;
	const err = h('p', { class: 'field-error', id: `${id}-error`,
		hidden: true });
	if (hint)
		input.setAttribute('aria-describedby', `${id}-hint`);
	const wrap = h('div', { class: 'field' },
		h('label', { for: id }, label,
			opts.optional ? h('span', { class: 'optional' },
				` ${t('form.optional')}`) : null),
		hint, opts.control || input, err);
	return { id, input, err, wrap, hint };
}

export function setError(f, msg) {
	f.err.hidden = false;
	f.err.replaceChildren(h('strong', null, t('form.error')), ' ', msg);
	f.input.setAttribute('aria-invalid', 'true');
	f.input.setAttribute('aria-describedby',
		[f.hint ? `${f.id}-hint` : null, `${f.id}-error`]
			.filter(Boolean).join(' '));
}

export function clearErrors(fields, formError) {
	for (const f of Object.values(fields)) {
		f.err.hidden = true;
		f.err.replaceChildren();
		f.input.removeAttribute('aria-invalid');
		if (f.hint)
			f.input.setAttribute('aria-describedby', `${f.id}-hint`);
		else
			f.input.removeAttribute('aria-describedby');
	}
	formError.replaceChildren();
	formError.hidden = true;
}

export function showFormError(formError, msg) {
	formError.hidden = false;
	formError.replaceChildren(h('strong', null, t('form.error')), ' ', msg);
}

// What is wrong with a field, from the catalog: by the error's code, then
// by the field, then in general (the server's own words are English).
function fieldMessage(e) {
	return errorText(e, `error.field.${e.field}`);
}

// Shows an API failure by its field, or for the whole form; focuses it.
export function apiFailure(e, fields, formError) {
	const f = e instanceof ApiError && e.field ? fields[e.field] : null;
	if (f) {
		setError(f, fieldMessage(e));
		f.input.focus();
	} else {
		showFormError(formError, errorText(e));
		formError.focus();
	}
}

export function passwordInput(id, autocomplete) {
	const input = h('input', { type: 'password', name: 'password',
		autocomplete, required: true });
	const toggle = h('button', { type: 'button', class: 'secondary small',
		'aria-pressed': 'false', 'aria-controls': id }, t('form.showPassword'));
	toggle.addEventListener('click', () => {
		const show = input.type === 'password';
		input.type = show ? 'text' : 'password';
		toggle.setAttribute('aria-pressed', String(show));
	});
	return { input, control: h('div', { class: 'with-button' }, input,
		toggle) };
}

export function formError() {
	return h('div', { class: 'form-error', role: 'alert', tabindex: '-1',
		hidden: true });
}

function signIn(root, ctx) {
	const next = localPath(ctx.query.get('next'));
	ctx.setTitle(t('signin.title'));
	const pw = passwordInput('signin-password', 'current-password');
	const fields = {
		email: field('signin-email', t('form.email'), h('input', {
			type: 'email', name: 'email', autocomplete: 'username',
			autocapitalize: 'none', spellcheck: 'false', required: true })),
		password: field('signin-password', t('form.password'), pw.input,
			{ control: pw.control }),
	};
	const err = formError();
	const submit = h('button', { type: 'submit' }, t('signin.submit'));
	const form = h('form', { novalidate: true, class: 'stack',
		'aria-labelledby': 'signin-h' }, err, fields.email.wrap,
	fields.password.wrap, h('p', null, submit));
	const signupHref = next ? `/signup?next=${encodeURIComponent(next)}` :
		'/signup';
	// Back from choosing a new password (recovery.js): say it worked.
	const changed = ctx.query.get('reset') === 'done' ?
		h('p', { class: 'notice', role: 'status' },
			t('signin.passwordChanged')) : null;
	add(root, h('h1', { id: 'signin-h' }, t('signin.title')), changed, form,
		h('p', null, h('a', { href: '/forgot-password' }, t('signin.forgot'))),
		h('p', null, t('signin.noAccount'), ' ',
			h('a', { href: signupHref }, t('signin.create'))));

	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		clearErrors(fields, err);
		const email = fields.email.input.value.trim();
		const password = fields.password.input.value;
		if (!required(fields, ['email', 'password']))
			return;
		submit.disabled = true;
		try {
			const r = await api.post('/api/v1/auth/login',
				{ email, password, cookie: true });
			setUser(r.user);
			afterSignIn(r.user, next);
		} catch (ex) {
			submit.disabled = false;
			apiFailure(ex, {}, err);
		}
	});
}

// Marks empty required fields; true when none is empty.
export function required(fields, names) {
	let first = null;
	for (const n of names) {
		const f = fields[n];
		if (f.input.value.trim() === '') {
			setError(f, t('error.required'));
			first = first || f;
		}
	}
	if (first)
		first.input.focus();
	return first === null;
}

async function signUp(root, ctx) {
	const next = localPath(ctx.query.get('next'));
	ctx.setTitle(t('signup.title'));
	const { COUNTRIES } = await import('./countries.js');
	if (!ctx.current())
		return;

	const guess = (navigator.language.split('-')[1] || '').toUpperCase();
	const collator = new Intl.Collator(currentLanguage());
	const countries = COUNTRIES.map((c) => [c, regionName(c)])
		.sort((a, b) => collator.compare(a[1], b[1]));
	const pw = passwordInput('signup-password', 'new-password');

	const fields = {
		display_name: field('signup-name', t('form.name'), h('input', {
			type: 'text', name: 'display_name', autocomplete: 'name',
			maxlength: '120', required: true }),
		{ hint: t('form.nameHint') }),
		email: field('signup-email', t('form.email'), h('input', {
			type: 'email', name: 'email', autocomplete: 'email',
			autocapitalize: 'none', spellcheck: 'false', required: true })),
		password: field('signup-password', t('form.password'), pw.input,
			{ hint: t('form.passwordHint'), control: pw.control }),
		country: field('signup-country', t('form.country'), h('select', {
			name: 'country', autocomplete: 'country', required: true },
		h('option', { value: '' }, t('form.choose')),
		countries.map(([c, name]) => h('option', { value: c,
			selected: c === guess }, name)))),
		profession: field('signup-profession', t('form.profession'),
			h('select', { name: 'profession', required: true },
				h('option', { value: '' }, t('form.choose')),
				PROFESSIONS.map((p) => h('option', { value: p },
					t(`profession.${p}`))))),
		organisation: field('signup-org', t('form.organisation'), h('input', {
			type: 'text', name: 'organisation', autocomplete: 'organization',
			maxlength: '200' }), { optional: true }),
		language: field('signup-language', t('form.language'),
			h('select', { name: 'language', required: true },
				LANGUAGES.map((l) => h('option', { value: l, lang: l,
					selected: l === currentLanguage() },
				languageName(l, true))))),
	};
	const err = formError();
	const submit = h('button', { type: 'submit' }, t('signup.submit'));
	const form = h('form', { novalidate: true, class: 'stack',
		'aria-labelledby': 'signup-h' }, err,
	Object.values(fields).map((f) => f.wrap), h('p', null, submit));
	const signinHref = next ? `/signin?next=${encodeURIComponent(next)}` :
		'/signin';
	add(root, h('h1', { id: 'signup-h' }, t('signup.title')),
		h('p', { class: 'lead' }, t('signup.lead')), form,
		h('p', null, t('signup.haveAccount'), ' ',
			h('a', { href: signinHref }, t('nav.signin'))));

	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		clearErrors(fields, err);
		if (!required(fields, ['display_name', 'email', 'password', 'country',
			'profession', 'language']))
			return;
		const v = (n) => fields[n].input.value.trim();
		const password = fields.password.input.value;
		if (!/^[^\s@]+@[^\s@]+$/.test(v('email'))) {
			setError(fields.email, t('error.field.email'));
			fields.email.input.focus();
			return;
		}
		if ([...password].length < 12) {
			setError(fields.password, t('error.field.password'));
			fields.password.input.focus();
			return;
		}
		const body = { email: v('email'), password,
			display_name: v('display_name'), country: v('country'),
			profession: v('profession'), language: v('language') };
		if (v('organisation'))
			body.organisation = v('organisation');

		submit.disabled = true;
		try {
			await api.post('/api/v1/auth/register', body);
			const r = await api.post('/api/v1/auth/login', { email: body.email,
				password, cookie: true });
			setUser(r.user);
			afterSignIn(r.user, next);
		} catch (ex) {
			submit.disabled = false;
			apiFailure(ex, fields, err);
		}
	});
}
