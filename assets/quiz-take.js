// Taking a quiz: every question type as a form control a keyboard and a
// screen reader can use (ordering by Move up / Move down buttons, matching
// by a select for each prompt: no drag and drop), answers saved as they
// change and kept on this device while the link is down (quiz-answers.js),
// the time left counted from the server's deadline with the clock skew
// taken out, warnings before the end, and Submit after a confirmation.
// When the time is up the page submits what it has and shows the result.

import { h, add, t, api, ApiError, errorText, isTransient } from './lib.js';
import { answerQueue } from './quiz-answers.js';
import { result, quizHeader } from './quiz-review.js';

const WARN_AT_S = [300, 60];
const POLL_TRIES = 8;
const POLL_MS = 1500;

// page: { quiz, lang, user, ctx }; attempt: the open ATTEMPT. Returns the
// cleanup the router calls when the learner leaves.
export function take(root, page, attempt) {
	const { quiz, lang, user, ctx } = page;
	ctx.setTitle(quiz.title);
	const queue = answerQueue(user.id, attempt);
	const status = h('p', { class: 'save-status', id: 'save-status' });
	const quiet = h('p', { class: 'sr-only', role: 'status' });
	const warning = h('p', { class: 'quiz-warning', id: 'quiz-warning',
		role: 'alert' });
	const questions = attempt.questions || [];
	const form = h('form', { id: 'quiz-form', novalidate: true,
		'aria-labelledby': 'quiz-h' });
	const count = h('p', { class: 'muted', id: 'answered-count' });
	const s = { root, page, attempt, queue, form, count, warning,
		done: false, timer: null };

	questions.forEach((q, i) => form.append(question(q, i + 1,
		questions.length, queue, lang, () => counted(s))));
	const submit = submitArea(s);
	form.append(submit);
	form.addEventListener('submit', (e) => {
		e.preventDefault();
		submit.ask();
	});

	s.timer = attempt.deadline ? countdown(s) : null;
	add(root, quizHeader(quiz, lang),
		h('p', { class: 'muted' }, t('quiz.attemptN', { n: attempt.number }),
			' · ', t('quiz.questionCount', { n: questions.length })),
		h('div', { class: 'quiz-bar' }, s.timer ? s.timer.el : null, status),
		warning, quiet, form);
	counted(s);
	watchSaves(s, status, quiet);
	if (queue.pendingCount())
		queue.kick(0);
	// Leaving: what is not saved yet goes now, and the queue keeps trying
	// after the page is gone.
	return () => {
		s.done = true;
		s.timer?.stop();
		if (!queue.stopped)
			queue.kick(0);
	};
}

// ---------------------------------------------------------------- saving

const SAVE_TEXT = {
	saved: 'quiz.save.saved', saving: 'quiz.save.saving',
	offline: 'quiz.save.offline', signedout: 'quiz.save.signedOut',
};

function watchSaves(s, status, quiet) {
	const show = (state) => {
		status.dataset.state = state;
		status.textContent = SAVE_TEXT[state] ? t(SAVE_TEXT[state]) : '';
	};
	show(s.queue.pendingCount() ? 'saving' : 'saved');
	let was = 'saved';
	s.queue.addEventListener('state', (e) => {
		const st = e.detail.state;
		show(st);
		// Said aloud only when the link drops or comes back, not at
		// every save.
		if (st === 'offline' || st === 'signedout')
			quiet.textContent = t(SAVE_TEXT[st]);
		else if (st === 'saved' && (was === 'offline' || was === 'signedout'))
			quiet.textContent = t('quiz.save.back');
		if (st !== 'saving')
			was = st;
		if (st === 'closed')
			finished(s, null);
	});
	s.queue.addEventListener('saved', (e) => {
		if (e.detail.server_time)
			s.timer?.sync(e.detail.server_time, e.detail.deadline);
	});
	s.queue.addEventListener('rejected', () => {
		s.warning.textContent = t('quiz.answerRejected');
	});
}

// ---------------------------------------------------------------- time

// The time left, from the server's deadline and the server's clock: skew
// is how far this device's clock is from the server's, so a wrong clock
// here neither gives nor takes time.
function countdown(s) {
	const a = s.attempt;
	let deadline = Date.parse(a.deadline);
	let skew = a.server_time ? Date.parse(a.server_time) - Date.now() : 0;
	const el = h('p', { class: 'timer', id: 'timer', role: 'timer' });
	const warned = new Set();
	let expired = false;
	const tick = () => {
		const left = deadline - (Date.now() + skew);
		el.textContent = left > 0 ? t('quiz.timeLeft', { time: clock(left) }) :
			t('quiz.timeUp');
		el.dataset.low = left <= WARN_AT_S[0] * 1000 ? '1' : '';
		const due = WARN_AT_S.filter((w) => left <= w * 1000 &&
			!warned.has(w));
		if (due.length && left > 0) {
			for (const w of due)
				warned.add(w);
			s.warning.textContent = t('quiz.warnLeft',
				{ n: Math.max(1, Math.ceil(left / 60000)) });
		}
		if (left <= 0 && !expired) {
			expired = true;
			// After take() has drawn the page, when it ends at once.
			setTimeout(() => timeUp(s), 0);
		}
	};
	tick();
	const iv = setInterval(tick, 1000);
	return {
		el,
		stop: () => clearInterval(iv),
		sync(serverTime, newDeadline) {
			skew = Date.parse(serverTime) - Date.now();
			if (newDeadline)
				deadline = Date.parse(newDeadline);
		},
	};
}

function clock(ms) {
	const all = Math.ceil(ms / 1000);
	const hh = Math.floor(all / 3600);
	const mm = Math.floor((all % 3600) / 60);
	const ss = all % 60;
	const two = (n) => String(n).padStart(2, '0');
	return hh ? `${hh}:${two(mm)}:${two(ss)}` : `${two(mm)}:${two(ss)}`;
}

function timeUp(s) {
	if (s.done)
		return;
	s.timer?.stop();
	s.form.inert = true;
	s.warning.textContent = t('quiz.timeUpSubmitting');
	send(s, true);
}

// ---------------------------------------------------------------- submit

function submitArea(s) {
	const button = h('button', { type: 'submit', id: 'submit' },
		t('quiz.submit'));
	const msg = h('p', { class: 'form-error', role: 'alert',
		id: 'submit-error' });
	const confirm = h('div', { class: 'confirm-box', hidden: true });
	const box = h('div', { class: 'quiz-submit' }, s.count,
		h('p', { class: 'buttons' }, button), confirm, msg);
	s.submitMsg = msg;
	s.submitButton = button;
	box.ask = () => {
		if (s.done || s.sending)
			return;
		const left = unanswered(s);
		const yes = h('button', { type: 'button', id: 'confirm-submit',
			class: 'danger' }, t('quiz.confirmYes'));
		const no = h('button', { type: 'button', class: 'secondary',
			id: 'confirm-cancel' }, t('quiz.confirmNo'));
		yes.addEventListener('click', () => {
			confirm.hidden = true;
			confirm.replaceChildren();
			send(s, false);
		});
		no.addEventListener('click', () => {
			confirm.hidden = true;
			confirm.replaceChildren();
			button.focus();
		});
		confirm.replaceChildren(h('p', { role: 'alert' },
			left ? t('quiz.confirmUnanswered', { n: left }) :
				t('quiz.confirmAll')),
		h('p', { class: 'buttons' }, yes, no));
		confirm.hidden = false;
		no.focus();
	};
	return box;
}

// Submits; on a dropped link keeps trying when it is back (the answers
// stay kept meanwhile); a refusal because it is already submitted or out
// of time shows what the server graded.
async function send(s, auto) {
	if (s.done || s.sending)
		return;
	s.sending = true;
	s.submitButton.disabled = true;
	s.submitMsg.textContent = auto ? '' : t('quiz.submitting');
	let a = null;
	try {
		a = await s.queue.submit();
	} catch (e) {
		s.sending = false;
		if (e instanceof ApiError && (isTransient(e.status) ||
		    e.status === 401)) {
			s.submitMsg.textContent = t(e.status === 401 ?
				'quiz.save.signedOut' : 'quiz.submitOffline');
			s.submitButton.disabled = false;
			retrySend(s, auto);
			return;
		}
		if (e instanceof ApiError && e.status === 409) {
			finished(s, null);
			return;
		}
		s.submitButton.disabled = false;
		s.submitMsg.textContent = errorText(e);
		return;
	}
	finished(s, a);
}

// Once the link is back, or (at the deadline, when nobody is there to
// press Submit) every few seconds: one retry armed at a time.
function retrySend(s, auto) {
	if (s.retryArmed)
		return;
	s.retryArmed = true;
	const again = () => {
		window.removeEventListener('online', again);
		clearTimeout(timer);
		s.retryArmed = false;
		send(s, auto);
	};
	window.addEventListener('online', again);
	const timer = auto ? setTimeout(again, 5000) : null;
}

// The attempt is over: show its result, asking the server for it when the
// page does not have it (submitted elsewhere, or graded at the deadline).
async function finished(s, a) {
	if (s.done)
		return;
	s.done = true;
	s.timer?.stop();
	s.queue.stop();
	s.form.inert = true;
	let tries = 0;
	while (!a || a.state !== 'submitted') {
		try {
			a = await api.get(`/api/v1/attempts/${s.attempt.id}`);
		} catch (e) {
			a = null;
			if (!(e instanceof ApiError) || !isTransient(e.status)) {
				s.submitMsg.textContent = errorText(e);
				return;
			}
		}
		if (a && a.state === 'submitted')
			break;
		if (++tries >= POLL_TRIES || !s.page.ctx.current()) {
			s.submitMsg.textContent = t('quiz.stillMarking');
			return;
		}
		await new Promise((ok) => setTimeout(ok, POLL_MS));
	}
	if (!s.page.ctx.current())
		return;
	const root = s.root;
	root.replaceChildren();
	result(root, s.page, a);
	const h1 = root.querySelector('h1');
	h1.setAttribute('tabindex', '-1');
	h1.focus();
	s.page.ctx.announce(root.querySelector('#verdict').textContent);
}

// ---------------------------------------------------------------- questions

function isAnswered(a) {
	if (!a || typeof a !== 'object')
		return false;
	if ('choice' in a)
		return Boolean(a.choice);
	if ('choices' in a)
		return a.choices.length > 0;
	if ('text' in a)
		return String(a.text).trim() !== '';
	if ('value' in a)
		return String(a.value).trim() !== '';
	if ('order' in a)
		return a.order.length > 0;
	if ('pairs' in a)
		return Object.keys(a.pairs).length > 0;
	return false;
}

function unanswered(s) {
	return (s.attempt.questions || []).filter((q) =>
		!isAnswered(s.queue.answer(q.id))).length;
}

function counted(s) {
	const n = (s.attempt.questions || []).length;
	s.count.textContent = t('quiz.answeredOf', { n, done: n - unanswered(s) });
}

// One question: its number as a heading, then its control. change(qid,
// answer, delay) saves; changed() updates the count.
function question(q, n, total, queue, lang, changed) {
	const hid = `q${n}-h`;
	const set = (answer, delay) => {
		queue.set(q.id, answer, delay);
		changed();
	};
	const ctl = { q, n, lang, set, answer: queue.answer(q.id) };
	let body;
	switch (q.type) {
	case 'single_choice':
	case 'true_false':
		body = single(ctl);
		break;
	case 'multiple_choice':
		body = multiple(ctl);
		break;
	case 'short_answer':
		body = typed(ctl, false);
		break;
	case 'numeric':
		body = typed(ctl, true);
		break;
	case 'ordering':
		body = ordering(ctl);
		break;
	case 'matching':
		body = matching(ctl);
		break;
	default:
		body = h('p', { class: 'prompt', lang }, q.prompt);
	}
	return h('section', { class: `question q-${q.type}`, 'aria-labelledby': hid,
		'data-qid': q.id },
	h('h2', { id: hid }, t('quiz.questionN', { n, total })), body);
}

function legend(ctl) {
	return h('legend', { class: 'prompt', lang: ctl.lang }, ctl.q.prompt);
}

function single(ctl) {
	const { q, n } = ctl;
	const chosen = ctl.answer && ctl.answer.choice;
	const fs = h('fieldset', { class: 'choices' }, legend(ctl));
	(q.choices || []).forEach((c, i) => {
		const id = `q${n}-c${i}`;
		fs.append(h('div', { class: 'check' },
			h('input', { type: 'radio', name: `q${n}`, id, value: c.id,
				checked: c.id === chosen }),
			h('label', { for: id, lang: ctl.lang }, c.text)));
	});
	const clear = h('button', { type: 'button', class: 'link clear',
		id: `q${n}-clear` }, t('quiz.clearChoice'));
	clear.addEventListener('click', () => {
		for (const r of fs.querySelectorAll('input'))
			r.checked = false;
		ctl.set(null, 0);
	});
	fs.addEventListener('change', () => {
		const r = fs.querySelector('input:checked');
		ctl.set(r ? { choice: r.value } : null, 300);
	});
	fs.append(clear);
	return fs;
}

function multiple(ctl) {
	const { q, n } = ctl;
	const chosen = new Set((ctl.answer && ctl.answer.choices) || []);
	const hint = h('p', { class: 'hint', id: `q${n}-hint` },
		t('quiz.chooseAll'));
	const fs = h('fieldset', { class: 'choices',
		'aria-describedby': hint.id }, legend(ctl), hint);
	(q.choices || []).forEach((c, i) => {
		const id = `q${n}-c${i}`;
		fs.append(h('div', { class: 'check' },
			h('input', { type: 'checkbox', id, value: c.id,
				checked: chosen.has(c.id) }),
			h('label', { for: id, lang: ctl.lang }, c.text)));
	});
	fs.addEventListener('change', () => {
		const ids = [...fs.querySelectorAll('input:checked')]
			.map((x) => x.value);
		ctl.set(ids.length ? { choices: ids } : null, 300);
	});
	return fs;
}

// What looks like a number as the server reads one: a decimal point or
// comma, an exponent, no thousands separators.
const NUMBER = /^\s*[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?\s*$/;

function typed(ctl, numeric) {
	const { n } = ctl;
	const id = `q${n}-input`;
	const old = ctl.answer ? (numeric ? ctl.answer.value : ctl.answer.text) :
		null;
	const hint = numeric ? h('p', { class: 'hint', id: `${id}-hint` },
		t('quiz.numberHint')) : null;
	const err = h('p', { class: 'field-error', id: `${id}-error` });
	const input = h('input', { type: 'text', id, autocomplete: 'off',
		spellcheck: 'false', inputmode: numeric ? 'decimal' : null,
		lang: numeric ? null : ctl.lang,
		'aria-describedby': numeric ? `${id}-hint ${id}-error` : null,
		value: old === null || old === undefined ? null : String(old) });
	const check = () => {
		const bad = numeric && input.value.trim() !== '' &&
			!NUMBER.test(input.value);
		input.setAttribute('aria-invalid', bad ? 'true' : 'false');
		err.textContent = bad ? `${t('form.error')} ${t('quiz.notANumberYet')}` :
			'';
	};
	const save = (delay) => {
		const v = input.value;
		if (v.trim() === '')
			ctl.set(null, delay);
		else
			ctl.set(numeric ? { value: v } : { text: v }, delay);
	};
	input.addEventListener('input', () => save(1000));
	input.addEventListener('change', () => {
		check();
		save(0);
	});
	return h('div', { class: 'field' },
		h('label', { for: id, class: 'prompt', lang: ctl.lang }, ctl.q.prompt),
		hint, input, err);
}

// Items in a list, each with Move up and Move down. The buttons stay
// focusable at the ends (aria-disabled, not disabled), so the focus never
// falls off the list; the new place is said aloud.
function ordering(ctl) {
	const { q, n } = ctl;
	const byId = new Map((q.items || []).map((it) => [it.id, it]));
	let order = (q.items || []).map((it) => it.id);
	const saved = ctl.answer && ctl.answer.order;
	if (Array.isArray(saved) && saved.length === order.length &&
	    saved.every((x) => byId.has(x)))
		order = [...saved];
	const hint = h('p', { class: 'hint', id: `q${n}-hint` },
		t('quiz.orderHint'));
	const said = h('p', { class: 'sr-only', 'aria-live': 'polite' });
	const list = h('ol', { class: 'ordering', id: `q${n}-list` });
	const draw = (focusId, dir) => {
		list.replaceChildren(...order.map((id, i) => orderItem(ctl,
			byId.get(id), i, order.length, move)));
		if (focusId) {
			list.querySelector(`li[data-id="${CSS.escape(focusId)}"] ` +
				`button.${dir}`)?.focus();
		}
	};
	const move = (id, by, dir) => {
		const i = order.indexOf(id);
		const j = i + by;
		if (j < 0 || j >= order.length)
			return;
		[order[i], order[j]] = [order[j], order[i]];
		draw(id, dir);
		said.textContent = t('quiz.movedTo', { item: byId.get(id).text,
			n: j + 1, total: order.length });
		ctl.set({ order: [...order] }, 500);
	};
	draw();
	return h('fieldset', { class: 'order-q', 'aria-describedby': hint.id },
		legend(ctl), hint, list, said);
}

function orderItem(ctl, it, i, total, move) {
	const btn = (dir, label, by, edge) => {
		const b = h('button', { type: 'button', class: `secondary ${dir}`,
			'aria-label': t(label, { item: it.text }),
			'aria-disabled': edge ? 'true' : null }, t(`${label}Short`));
		b.addEventListener('click', () => {
			if (!edge)
				move(it.id, by, dir);
		});
		return b;
	};
	return h('li', { 'data-id': it.id },
		h('span', { class: 'item-text', lang: ctl.lang }, it.text),
		h('span', { class: 'moves' },
			btn('up', 'quiz.moveUp', -1, i === 0),
			btn('down', 'quiz.moveDown', 1, i === total - 1)));
}

function matching(ctl) {
	const { q, n } = ctl;
	const pairs = { ...((ctl.answer && ctl.answer.pairs) || {}) };
	const hint = h('p', { class: 'hint', id: `q${n}-hint` },
		t('quiz.matchHint'));
	const fs = h('fieldset', { class: 'match-q', 'aria-describedby': hint.id },
		legend(ctl), hint);
	(q.prompts || []).forEach((p, i) => {
		const id = `q${n}-m${i}`;
		const select = h('select', { id, 'data-prompt': p.id },
			h('option', { value: '' }, t('form.choose')),
			(q.options || []).map((o) => h('option', { value: o.id,
				lang: ctl.lang, selected: pairs[p.id] === o.id }, o.text)));
		select.addEventListener('change', () => {
			if (select.value)
				pairs[p.id] = select.value;
			else
				delete pairs[p.id];
			ctl.set(Object.keys(pairs).length ? { pairs: { ...pairs } } :
				null, 300);
		});
		fs.append(h('div', { class: 'field' },
			h('label', { for: id, lang: ctl.lang }, p.text), select));
	});
	return fs;
}
