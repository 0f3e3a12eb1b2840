// The answers of an open quiz attempt, and the queue that carries them
// over a dropped link.
//
// Every change is kept at once in memory and in localStorage (one entry an
// attempt: its answers not yet on the server, tagged with the learner; an
// answer is no secret and never a token), then sent after a short pause
// with PUT /api/v1/attempts/ID/answers. The server merges what it is sent
// and the same body twice is the same state, so a save whose answer was
// lost is simply sent again. A save that fails for the network keeps the
// answers and tries again on the online event, or on a timer that backs
// off to a minute. A reload, a closed tab or a link down for an hour loses
// nothing: the next page loaded sends what was kept (sendKept).
//
// The queue says what it is doing through 'state' events: saved, saving,
// offline (answers kept on this device), signedout, closed (the attempt
// was submitted, or its time ran out), and 'saved' with the server's clock.

import { api, ApiError, isTransient } from './lib.js';

const QUIZ_STORE = 'sg_quiz_v1_';
const MAX_BACKOFF_MS = 60000;

function readStore(id) {
	try {
		const s = localStorage.getItem(QUIZ_STORE + id);
		const v = s ? JSON.parse(s) : null;
		return v && typeof v === 'object' ? v : null;
	} catch {
		return null;
	}
}

// Forgets what this browser kept for attempts that are over.
export function forgetAttempt(id) {
	try {
		localStorage.removeItem(QUIZ_STORE + id);
	} catch {
		// Nothing kept, or no storage.
	}
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// One queue an attempt in this page's life, so two never send the same
// attempt's answers out of order (a page left and opened again, or the
// answers an earlier page kept, sent at boot).
const live = new Map();

export function answerQueue(uid, attempt) {
	const q = live.get(attempt.id);
	if (q && !q.stopped && q.uid === uid) {
		q.adopt(attempt);
		return q;
	}
	const fresh = new AnswerQueue(uid, attempt);
	live.set(attempt.id, fresh);
	return fresh;
}

// Sends what earlier pages kept for this learner (a reload, a closed tab,
// an attempt left while the link was down), whatever the page is.
export function sendKept(uid) {
	let keys = [];
	try {
		keys = Object.keys(localStorage).filter((k) =>
			k.startsWith(QUIZ_STORE));
	} catch {
		return;
	}
	for (const k of keys) {
		const id = k.slice(QUIZ_STORE.length);
		const kept = readStore(id);
		if (kept && kept.uid === uid)
			answerQueue(uid, { id, answers: {} }).flush();
	}
}

export class AnswerQueue extends EventTarget {
	// attempt: the open ATTEMPT the server gave; uid: the learner, so a
	// shared device never sends one learner's answers as another's.
	constructor(uid, attempt) {
		super();
		this.uid = uid;
		this.id = attempt.id;
		this.answers = { ...(attempt.answers || {}) };
		this.pending = {};
		this.state = 'saved';
		this.timer = null;
		this.retry = null;
		this.backoff = 0;
		this.sending = null;
		this.stopped = false;
		this.submitting = null;
		const kept = readStore(this.id);
		if (kept && kept.uid === uid && kept.pending &&
		    typeof kept.pending === 'object') {
			// Kept here and never confirmed: newer than the server's.
			for (const [qid, a] of Object.entries(kept.pending)) {
				this.answers[qid] = a;
				this.pending[qid] = a;
			}
		}
		// The link is back: send now, not at the retry timer's turn.
		this.onOnline = () => {
			clearTimeout(this.retry);
			this.retry = null;
			this.backoff = 0;
			this.flush();
		};
		window.addEventListener('online', this.onOnline);
	}

	// The attempt as the server gives it now, under what is kept here.
	adopt(attempt) {
		this.answers = { ...(attempt.answers || {}), ...this.pending };
	}

	// Answers kept on this device and not yet on the server.
	pendingCount() {
		return Object.keys(this.pending).length;
	}

	answer(qid) {
		return this.answers[qid] ?? null;
	}

	// A changed answer (null clears it): kept now, sent after delay ms.
	set(qid, answer, delay = 500) {
		if (this.stopped)
			return;
		this.answers[qid] = answer;
		this.pending[qid] = answer;
		this.persist();
		this.setState(this.state === 'offline' ? 'offline' : 'saving');
		this.kick(delay);
	}

	persist() {
		try {
			if (this.pendingCount() === 0) {
				localStorage.removeItem(QUIZ_STORE + this.id);
				return;
			}
			localStorage.setItem(QUIZ_STORE + this.id, JSON.stringify({
				uid: this.uid, pending: this.pending, at: Date.now() }));
		} catch {
			// Memory keeps the answers for this page's life.
		}
	}

	setState(s, detail) {
		if (s === this.state && !detail)
			return;
		this.state = s;
		this.dispatchEvent(new CustomEvent('state', { detail: { state: s,
			...detail } }));
	}

	kick(delay) {
		clearTimeout(this.timer);
		if (this.stopped)
			return;
		this.timer = setTimeout(() => {
			this.timer = null;
			this.flush();
		}, delay);
	}

	scheduleRetry() {
		clearTimeout(this.retry);
		this.backoff = Math.min(this.backoff ? this.backoff * 2 : 3000,
			MAX_BACKOFF_MS);
		const wait = this.backoff / 2 + Math.random() * this.backoff / 2;
		this.retry = setTimeout(() => {
			this.retry = null;
			this.flush();
		}, wait);
	}

	// Sends what is pending until nothing is, or a save fails. A call while
	// one runs waits for it, then sends what came meanwhile.
	async flush() {
		while (this.sending)
			await this.sending;
		if (this.stopped)
			return this.state;
		if (this.submitting)
			return this.submitting;
		if (this.pendingCount() === 0) {
			this.setState('saved');
			return this.state;
		}
		this.sending = this.send().finally(() => { this.sending = null; });
		await this.sending;
		if (this.state === 'saving' && this.pendingCount() > 0 &&
		    !this.timer)
			return this.flush();
		return this.state;
	}

	async send() {
		const body = { ...this.pending };
		// Offline stays offline until a save gets through.
		if (this.state !== 'offline')
			this.setState('saving');
		let r;
		try {
			r = await api.put(`/api/v1/attempts/${this.id}/answers`,
				{ answers: body });
		} catch (e) {
			this.failed(e);
			return;
		}
		for (const [qid, a] of Object.entries(body)) {
			if (qid in this.pending && same(this.pending[qid], a))
				delete this.pending[qid];
		}
		this.persist();
		clearTimeout(this.retry);
		this.retry = null;
		this.backoff = 0;
		this.dispatchEvent(new CustomEvent('saved', { detail: r || {} }));
		this.setState(this.pendingCount() ? 'saving' : 'saved');
	}

	failed(e) {
		if (!(e instanceof ApiError) || isTransient(e.status)) {
			this.setState('offline', { kept: this.pendingCount() });
			this.scheduleRetry();
			return;
		}
		if (e.status === 401) {
			this.setState('signedout');
			return;
		}
		if (e.status === 422 && e.field && e.field in this.pending) {
			// One answer the server will never take (not this attempt's
			// choice, a shape it refuses): drop it, send the others.
			delete this.pending[e.field];
			this.persist();
			this.dispatchEvent(new CustomEvent('rejected', {
				detail: { qid: e.field, code: e.code } }));
			this.setState('saving');
			return;
		}
		// Submitted elsewhere, out of time, or gone: nothing more to send.
		this.close(e.code);
	}

	// The attempt takes no more answers: what is kept can never count.
	close(code) {
		this.pending = {};
		this.persist();
		this.stop();
		this.setState('closed', { code });
	}

	// Submits the attempt with every answer not yet on the server. Settles
	// with the SUBMITTED attempt, or rejects with the ApiError; a failure
	// for the network rejects too, and the answers stay kept.
	async submit() {
		clearTimeout(this.timer);
		this.timer = null;
		while (this.sending)
			await this.sending;
		for (;;) {
			this.submitting = api.post(`/api/v1/attempts/${this.id}/submit`,
				{ answers: { ...this.pending } });
			try {
				const r = await this.submitting;
				this.pending = {};
				this.persist();
				this.stop();
				return r.attempt;
			} catch (e) {
				if (e instanceof ApiError && e.status === 422 && e.field &&
				    e.field in this.pending) {
					// As for a save: that one answer cannot count.
					delete this.pending[e.field];
					this.persist();
					continue;
				}
				if (!(e instanceof ApiError) || isTransient(e.status))
					this.setState('offline', { kept: this.pendingCount() });
				throw e;
			} finally {
				this.submitting = null;
			}
		}
	}

	stop() {
		this.stopped = true;
		if (live.get(this.id) === this)
			live.delete(this.id);
		clearTimeout(this.timer);
		clearTimeout(this.retry);
		window.removeEventListener('online', this.onOnline);
	}
}
