// The address check: the page the mailed link opens
// (/verify-email#token=...), and the banner a signed-in learner whose
// address is not verified yet sees on My learning, with a button that
// sends the link again. Certificates go to verified addresses only.

import {
	h, add, t, api, getJSON, setUser, loadSession,
	maybeSignedIn, ApiError, errorText, linkToken, retryButton,
} from './lib.js';

// A token is good once: the answer for each is kept for the page's life,
// so a redraw (a language switch) shows it again instead of asking twice
// and being told the link was used.
const answers = new Map();

function verify(token) {
	if (!answers.has(token)) {
		const p = api.post('/api/v1/auth/verify-email', { token },
			{ noRefresh: true });
		answers.set(token, p);
		// Only a request that did not get through may be made again.
		p.catch((e) => {
			if (!(e instanceof ApiError) || e.code !== 'invalid_token')
				answers.delete(token);
		});
	}
	return answers.get(token);
}

export async function render(root, ctx) {
	const token = linkToken();
	let failure = null;
	if (token) {
		try {
			await verify(token);
		} catch (e) {
			failure = e;
		}
	}
	// The page needs no account, so the router did not wait for the
	// session: what follows depends on it.
	const user = maybeSignedIn() ? await loadSession() : null;
	if (!ctx.current())
		return;
	if (token && !failure) {
		await verified(root, ctx, user);
		return;
	}
	if (failure && !(failure instanceof ApiError &&
	    failure.code === 'invalid_token')) {
		ctx.setTitle(t('error.title'));
		add(root, h('h1', null, t('error.title')),
			h('p', null, errorText(failure)),
			h('p', null, retryButton(ctx)));
		return;
	}
	ctx.setTitle(t('verifyEmail.badTitle'));
	add(root, h('h1', null, t('verifyEmail.badTitle')),
		h('p', null, t('verifyEmail.badBody')));
	if (user && user.email_verified === false)
		add(root, resendBlock(user));
	else if (user)
		add(root, h('p', null, h('a', { href: '/learning' },
			t('verifyEmail.toLearning'))));
	else
		add(root, h('p', null, t('verifyEmail.signInToResend'), ' ',
			h('a', { href: '/signin?next=%2Flearning' }, t('nav.signin'))));
}

async function verified(root, ctx, user) {
	// The header and My learning read the account from the session, which
	// may have been asked for before the address was verified: ask again,
	// so the banner is gone at once.
	if (user) {
		try {
			setUser(await getJSON('/api/v1/me'));
		} catch {
			// The next page load asks again.
		}
	}
	if (!ctx.current())
		return;
	ctx.setTitle(t('verifyEmail.doneTitle'));
	add(root, h('h1', null, t('verifyEmail.doneTitle')),
		h('p', null, t('verifyEmail.doneBody')),
		h('p', null, user ?
			h('a', { class: 'button', href: '/learning' },
				t('verifyEmail.toLearning')) :
			h('a', { class: 'button', href: '/signin?next=%2Flearning' },
				t('nav.signin'))));
}

// The button that mails the link again, and a live line that says how it
// went (the server sends one a few minutes at most: a 429 says so).
function resendBlock(user) {
	const status = h('p', { class: 'status', role: 'status',
		tabindex: '-1' });
	const button = h('button', { type: 'button', class: 'secondary' },
		t('verifyEmail.resend'));
	button.addEventListener('click', async () => {
		button.disabled = true;
		status.textContent = '';
		try {
			await api.post('/api/v1/me/verification-email');
			status.textContent = t('verifyEmail.sent', { email: user.email });
		} catch (e) {
			if (e instanceof ApiError && e.code === 'already_verified') {
				// Nothing to send: the button goes, and focus to
				// the words that say why.
				user.email_verified = true;
				button.remove();
				status.textContent = t('verifyEmail.already');
				status.focus();
				return;
			}
			status.textContent = e instanceof ApiError && e.status === 429 ?
				t('verifyEmail.tooSoon') : errorText(e);
		}
		button.disabled = false;
	});
	return h('div', { class: 'resend' }, h('p', null, button), status);
}

// My learning's banner for an account whose address is not verified.
export function banner(user) {
	return h('section', { class: 'notice banner',
		'aria-labelledby': 'verify-banner-h' },
	h('h2', { id: 'verify-banner-h' }, t('verifyEmail.bannerTitle')),
	h('p', null, t('verifyEmail.bannerBody', { email: user.email })),
	resendBlock(user));
}
