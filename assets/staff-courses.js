// The instructor's pages: my courses, a new course, and one course's page
// (its details, publishing, modules with their order and lessons' previews,
// the package upload, co-instructors). Course text is always inserted as
// text; the server decides what is allowed and the page says its answer in
// the catalog's words.

import {
	h, add, t, api, getJSON, errorText, fmtDate, fmtPercent, csrfToken,
	ApiError, LANGUAGES, languageName,
} from './lib.js';
import {
	field, formError, clearErrors, showError, apiFailure, confirmButton,
	audienceBoxes,
} from './staff-ui.js';

export async function render(root, ctx) {
	if (ctx.name === 'new')
		return newCourse(root, ctx);
	if (ctx.name === 'course')
		return coursePage(root, ctx, ctx.match[1]);
	return courseList(root, ctx);
}

function courseState(s) {
	return t(`staff.status.${s}`);
}

// ---------------------------------------------------------------- my courses

async function courseList(root, ctx) {
	ctx.setTitle(t('staff.courses.title'));
	add(root, h('h1', null, t('staff.courses.title')),
		h('p', null, h('a', { href: '/staff/courses/new', class: 'button' },
			t('staff.courses.new'))));
	let data;
	try {
		data = await getJSON('/api/v1/instructor/courses');
	} catch (e) {
		add(root, h('p', { class: 'notice', role: 'alert' }, errorText(e)));
		return;
	}
	if (!ctx.current())
		return;
	if (data.courses.length === 0) {
		add(root, h('p', null, t('staff.courses.none')));
		return;
	}
	add(root, h('ul', { class: 'cards', id: 'staff-courses' },
		data.courses.map((c) => h('li', { class: 'card' },
			h('h2', { lang: c.language }, h('a', {
				href: `/staff/courses/${encodeURIComponent(c.slug)}` },
			c.title)),
			h('p', null, h('span', { class: 'status' }, courseState(c.status)),
				' · ', languageName(c.language), ' · ',
				t('staff.courses.modules', { n: c.modules }), ' · ',
				t('staff.courses.updated', { date: fmtDate(c.updated_at,
					true) }))))));
}

// ---------------------------------------------------------------- details form

// The course's fields, for a new course or to edit one (c).
function detailsFields(c) {
	const v = c || {};
	const language = h('select', null, LANGUAGES.map((l) =>
		h('option', { value: l, selected: l === (v.language || 'en') },
			languageName(l))));
	const fields = {
		title: field('course-title', t('staff.course.title'),
			h('input', { type: 'text', maxlength: '200', required: true,
				value: v.title || '' })),
		slug: c ? null : field('course-slug', t('staff.course.slug'),
			h('input', { type: 'text', maxlength: '80', required: true,
				pattern: '[a-z0-9]+(-[a-z0-9]+)*', autocapitalize: 'none',
				spellcheck: 'false' }), { hint: t('staff.course.slugHint') }),
		language: field('course-language', t('staff.course.language'),
			language),
		summary: field('course-summary', t('staff.course.summary'),
			h('textarea', { rows: '4', maxlength: '2000' }, v.summary || ''),
			{ optional: true }),
		estimated_hours: field('course-hours', t('staff.course.hours'),
			h('input', { type: 'number', min: '0.5', max: '999', step: '0.5',
				inputmode: 'decimal', value: v.estimated_hours ?? '' }),
			{ optional: true }),
		translation_group: field('course-group', t('staff.course.group'),
			h('input', { type: 'text', maxlength: '64',
				pattern: '[a-z0-9-]{1,64}', autocapitalize: 'none',
				spellcheck: 'false', value: v.translation_group || '' }),
			{ optional: true, hint: t('staff.course.groupHint') }),
		certificate_valid_months: field('course-validity',
			t('staff.course.validity'), h('input', { type: 'number',
				min: '1', max: '600', step: '1', inputmode: 'numeric',
				value: v.certificate_valid_months ?? '' }),
			{ optional: true, hint: t('staff.course.validityHint') }),
	};
	if (!fields.slug) {
		delete fields.slug;
	} else {
		// The enrollment window and places: the outline an edit starts
		// from does not carry them, so only a new course sets them here.
		fields.enroll_opens_at = field('course-opens',
			t('staff.course.opens'), h('input', { type: 'datetime-local' }),
			{ optional: true });
		fields.enroll_closes_at = field('course-closes',
			t('staff.course.closes'), h('input', { type: 'datetime-local' }),
			{ optional: true });
		fields.capacity = field('course-capacity', t('staff.course.capacity'),
			h('input', { type: 'number', min: '1', step: '1',
				inputmode: 'numeric' }), { optional: true,
			hint: t('staff.course.capacityHint') });
	}
	const seq = h('input', { type: 'checkbox', id: 'course-sequential',
		checked: !!v.sequential });
	const audiences = audienceBoxes('course-aud', v.audiences || []);
	const wrap = h('div', { class: 'stack' }, Object.values(fields)
		.map((f) => f.wrap), audiences.wrap,
	h('div', { class: 'field check' }, seq,
		h('label', { for: 'course-sequential' }, t('staff.course.sequential'))));
	const value = () => {
		const b = {
			title: fields.title.input.value.trim(),
			language: fields.language.input.value,
			summary: fields.summary.input.value.trim(),
			audiences: audiences.value(),
			sequential: seq.checked,
		};
		if (fields.slug)
			b.slug = fields.slug.input.value.trim();
		const hours = fields.estimated_hours.input.value;
		if (hours !== '')
			b.estimated_hours = Number(hours);
		for (const k of ['enroll_opens_at', 'enroll_closes_at']) {
			// A local date and time, sent as the instant it names.
			const at = fields[k] && fields[k].input.value;
			if (at && !Number.isNaN(new Date(at).getTime()))
				b[k] = new Date(at).toISOString();
		}
		if (fields.capacity && fields.capacity.input.value !== '')
			b.capacity = Number(fields.capacity.input.value);
		// Emptied on an edit: certificates no longer expire.
		const months = fields.certificate_valid_months.input.value;
		if (months !== '')
			b.certificate_valid_months = Number(months);
		else if (c)
			b.certificate_valid_months = null;
		const group = fields.translation_group.input.value.trim();
		if (group !== '')
			b.translation_group = group;
		return b;
	};
	return { fields, wrap, value };
}

async function newCourse(root, ctx) {
	ctx.setTitle(t('staff.new.title'));
	const d = detailsFields(null);
	const err = formError();
	const submit = h('button', { type: 'submit' }, t('staff.new.create'));
	const form = h('form', { novalidate: true, 'aria-labelledby': 'new-h' },
		err, d.wrap, h('p', null, submit));
	add(root, h('p', { class: 'crumbs' }, h('a', { href: '/staff' },
		t('staff.courses.title'))),
	h('h1', { id: 'new-h' }, t('staff.new.title')), form);
	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		clearErrors(d.fields, err);
		const body = d.value();
		for (const k of ['title', 'slug']) {
			if (!body[k]) {
				apiFailure(new ApiError(422, { error: { code: 'required',
					field: k } }), d.fields, err);
				return;
			}
		}
		submit.disabled = true;
		try {
			const made = await api.post('/api/v1/instructor/courses', body);
			ctx.navigate(`/staff/courses/${encodeURIComponent(made.slug)}`);
		} catch (x) {
			apiFailure(x, d.fields, err);
		} finally {
			submit.disabled = false;
		}
	});
}

// ---------------------------------------------------------------- one course

async function coursePage(root, ctx, slug) {
	const url = `/api/v1/instructor/courses/${slug}`;
	let course;
	try {
		course = await getJSON(`${url}/preview`);
	} catch (e) {
		ctx.setTitle(t('error.title'));
		add(root, h('h1', null, t('error.title')),
			h('p', { role: 'alert' }, errorText(e, 'staff.error.course')));
		return;
	}
	if (!ctx.current())
		return;
	ctx.setTitle(course.title);

	const heading = h('h1', { lang: course.language }, course.title);
	const statusLine = h('p', { class: 'status', id: 'course-status' });
	const said = h('p', { role: 'status', class: 'muted', id: 'course-said' });
	const pubErr = formError();
	const pubButton = h('button', { type: 'button', id: 'publish' });
	const publicLink = h('p', { id: 'public-link' });
	const modules = h('div', { id: 'modules' });

	// Everything the outline shows, drawn again from each answer.
	const draw = (c) => {
		if (c.version !== course.version)
			clearErrors({}, pubErr);
		course = c;
		heading.textContent = c.title;
		heading.lang = c.language;
		statusLine.replaceChildren(t('staff.course.status'), ' ',
			h('strong', null, courseState(c.status)), ' · ',
			t('staff.course.version', { n: c.version }));
		pubButton.textContent = c.status === 'published' ?
			t('staff.course.unpublish') : t('staff.course.publish');
		pubButton.className = c.status === 'published' ? 'secondary' : '';
		publicLink.replaceChildren(c.status === 'published' ?
			h('a', { href: `/courses/${encodeURIComponent(c.slug)}` },
				t('staff.course.viewPublic')) : '');
		drawModules(modules, c, url, draw, said);
	};

	pubButton.addEventListener('click', async () => {
		clearErrors({}, pubErr);
		const verb = course.status === 'published' ? 'unpublish' : 'publish';
		pubButton.disabled = true;
		try {
			draw(await api.post(`${url}/${verb}`));
			said.textContent = t(`staff.course.${verb}ed`);
		} catch (e) {
			showError(pubErr, errorText(e, `staff.error.${verb}`));
		} finally {
			pubButton.disabled = false;
		}
	});

	const here = `/staff/courses/${encodeURIComponent(slug)}`;
	add(root, h('p', { class: 'crumbs' }, h('a', { href: '/staff' },
		t('staff.courses.title'))),
	heading, statusLine, said,
	h('nav', { class: 'buttons', 'aria-label': t('staff.course.more') },
		h('a', { href: `${here}/learners`, class: 'button secondary' },
			t('staff.learners.link')),
		h('a', { href: `${here}/questions`, class: 'button secondary' },
			t('staff.bank.link'))),
	h('section', { 'aria-labelledby': 'pub-h' },
		h('h2', { id: 'pub-h' }, t('staff.course.publishing')),
		pubErr, h('p', null, pubButton), publicLink),
	h('section', { 'aria-labelledby': 'mod-h' },
		h('h2', { id: 'mod-h' }, t('staff.modules.title')), modules),
	uploadSection(url, draw, said),
	detailsSection(course, url, draw, said),
	instructorsSection(url, said));
	draw(course);
}

// The modules in order, each with its lessons (a preview link each),
// moves by buttons (keyboard first: no dragging needed) and deletion.
function drawModules(box, c, url, draw, said) {
	if (c.modules.length === 0) {
		box.replaceChildren(h('p', null, t('staff.modules.none')));
		return;
	}
	const keys = c.modules.map((m) => m.key);
	const move = async (i, by, m) => {
		const order = [...keys];
		[order[i], order[i + by]] = [order[i + by], order[i]];
		try {
			draw(await api.put(`${url}/modules/order`, { keys: order }));
			said.textContent = t('staff.modules.moved', { title: m.title,
				n: i + by + 1 });
			const again = document.querySelector(
				`#modules [data-key="${m.key}"] button.${by < 0 ? 'up' : 'down'}`) ||
				document.querySelector(`#modules [data-key="${m.key}"] button`);
			again?.focus();
		} catch (e) {
			said.textContent = errorText(e);
		}
	};
	box.replaceChildren(h('ol', { class: 'modules' }, c.modules.map((m, i) =>
		h('li', { class: 'card', 'data-key': m.key },
			h('h3', { lang: c.language }, m.title),
			h('p', { class: 'muted' }, t('staff.modules.key', { key: m.key }),
				' · ', t('staff.course.version', { n: m.version })),
			h('ul', { class: 'lessons' }, m.lessons.map((l) => h('li', null,
				h('span', { lang: c.language }, l.title), ' ',
				h('a', { href: `/staff/lessons/${l.id}`,
					'aria-label': t('staff.modules.previewOf',
						{ title: l.title }) }, t('staff.modules.preview'))))),
			m.quiz ? quizLine(m.quiz, c) : null,
			h('div', { class: 'buttons' },
				i > 0 ? h('button', { type: 'button', class: 'secondary small up',
					'aria-label': t('staff.modules.upOf', { title: m.title }),
					onclick: () => move(i, -1, m) }, t('staff.modules.up')) :
					null,
				i < keys.length - 1 ? h('button', { type: 'button',
					class: 'secondary small down',
					'aria-label': t('staff.modules.downOf', { title: m.title }),
					onclick: () => move(i, 1, m) }, t('staff.modules.down')) :
					null,
				confirmButton(t('staff.modules.delete'),
					t('staff.modules.deleteAsk', { title: m.title }),
					t('staff.modules.deleteYes'), async () => {
						try {
							await api.del(`${url}/modules/${m.key}`);
							draw(await api.get(`${url}/preview`));
							said.textContent = t('staff.modules.deleted',
								{ title: m.title });
							document.getElementById('mod-h').focus();
						} catch (e) {
							said.textContent = errorText(e);
						}
					}))))));
}

// A module's quiz: its settings and its statistics.
function quizLine(q, c) {
	const course = `?course=${encodeURIComponent(c.slug)}`;
	return h('p', { class: 'quiz-line' }, t('staff.quiz.label'), ' ',
		h('span', { lang: c.language }, q.title), ' ',
		h('a', { href: `/staff/quizzes/${q.id}${course}`, 'aria-label':
			t('staff.quiz.settingsOf', { title: q.title }) },
		t('staff.quiz.settings')), ' ',
		h('a', { href: `/staff/quizzes/${q.id}/stats${course}`, 'aria-label':
			t('staff.quiz.statsOf', { title: q.title }) },
		t('staff.quiz.stats')));
}

// ---------------------------------------------------------------- upload

function uploadSection(url, draw, said) {
	const input = h('input', { type: 'file', accept: '.zip,application/zip',
		required: true });
	const f = field('package-file', t('staff.upload.file'), input,
		{ hint: t('staff.upload.hint') });
	const bar = h('progress', { max: '100', value: '0', id: 'upload-progress',
		'aria-label': t('staff.upload.progress') });
	const barText = h('span', { class: 'progress-text' });
	const barBox = h('div', { class: 'progress', hidden: true }, bar, barText);
	const err = formError();
	const problems = h('div', { id: 'package-problems' });
	const submit = h('button', { type: 'submit' }, t('staff.upload.send'));
	const form = h('form', { novalidate: true, 'aria-labelledby': 'up-h' },
		err, f.wrap, barBox, h('p', null, submit), problems);

	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		clearErrors({ f }, err);
		problems.replaceChildren();
		const file = input.files[0];
		if (!file) {
			apiFailure(new ApiError(422, { error: { code: 'required',
				field: 'f' } }), { f }, err);
			return;
		}
		submit.disabled = true;
		barBox.hidden = false;
		const show = (p) => {
			bar.value = p;
			barText.textContent = t('progress.percent', { p:
				fmtPercent(p) });
		};
		show(0);
		try {
			const r = await uploadOnce(`${url}/modules`, file, show);
			show(100);
			draw(r.course);
			said.textContent = t(r.module.created ? 'staff.upload.created' :
				'staff.upload.replaced', { key: r.module.key,
				n: r.module.lessons });
			form.reset();
		} catch (x) {
			barBox.hidden = true;
			if (x.code === 'invalid_package' && Array.isArray(x.detail.problems))
				showProblems(problems, x.detail.problems);
			else
				showError(err, errorText(x, 'staff.error.upload'));
		} finally {
			submit.disabled = false;
		}
	});
	return h('section', { 'aria-labelledby': 'up-h' },
		h('h2', { id: 'up-h' }, t('staff.upload.title')), form);
}

// An upload whose access cookie had expired: a call through request()
// refreshes the session (single-flight, as for every call), then the
// package goes once more.
async function uploadOnce(to, file, onProgress) {
	try {
		return await upload(to, file, onProgress);
	} catch (e) {
		if (e.status !== 401)
			throw e;
		await api.get('/api/v1/me');
		onProgress(0);
		return upload(to, file, onProgress);
	}
}

// multipart/form-data by XMLHttpRequest, for its upload progress events
// (fetch has none). Resolves with the answer; rejects with ApiError.
function upload(to, file, onProgress) {
	return new Promise((resolve, reject) => {
		const xhr = new XMLHttpRequest();
		const form = new FormData();
		form.append('package', file, file.name);
		xhr.open('POST', to);
		xhr.setRequestHeader('X-CSRF-Token', csrfToken() || '');
		xhr.responseType = 'json';
		xhr.upload.addEventListener('progress', (e) => {
			if (e.lengthComputable)
				onProgress(Math.floor((e.loaded / e.total) * 100));
		});
		xhr.addEventListener('load', () => {
			if (xhr.status >= 200 && xhr.status < 300)
				resolve(xhr.response);
			else
				reject(new ApiError(xhr.status, xhr.response));
		});
		xhr.addEventListener('error', () => reject(new ApiError(0, null)));
		xhr.send(form);
	});
}

// Every problem the server found, each with its place in the package.
function showProblems(box, list) {
	box.replaceChildren(
		h('h3', { id: 'problems-h', tabindex: '-1' },
			t('staff.upload.problems', { n: list.length })),
		h('ul', { class: 'problems', 'aria-labelledby': 'problems-h' },
			list.map((p) => {
				const where = [p.file];
				if (p.path)
					where.push(p.path);
				if (p.line)
					where.push(t('staff.upload.line', { n: p.line }));
				if (p.column)
					where.push(t('staff.upload.column', { n: p.column }));
				const known = t(`staff.problem.${p.code}`);
				return h('li', null, h('strong', { class: 'where' },
					where.join(' · ')), ': ',
				known === `staff.problem.${p.code}` ?
					t('staff.problem.other', { code: p.code }) : known);
			})));
	box.querySelector('h3').focus();
}

// ---------------------------------------------------------------- details

function detailsSection(course, url, draw, said) {
	const d = detailsFields(course);
	const err = formError();
	const submit = h('button', { type: 'submit' }, t('staff.details.save'));
	const form = h('form', { novalidate: true, 'aria-labelledby': 'det-h' },
		err, d.wrap, h('p', null, submit));
	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		clearErrors(d.fields, err);
		const body = d.value();
		if (!body.title) {
			apiFailure(new ApiError(422, { error: { code: 'required',
				field: 'title' } }), d.fields, err);
			return;
		}
		submit.disabled = true;
		try {
			draw(await api.patch(url, body));
			said.textContent = t('staff.details.saved');
		} catch (x) {
			apiFailure(x, d.fields, err);
		} finally {
			submit.disabled = false;
		}
	});
	return h('section', { 'aria-labelledby': 'det-h' },
		h('h2', { id: 'det-h' }, t('staff.details.title')), form);
}

// ---------------------------------------------------------------- co-instructors

function instructorsSection(url, said) {
	const f = field('coinstructor-email', t('form.email'),
		h('input', { type: 'email', autocomplete: 'off', required: true }),
		{ hint: t('staff.instructors.hint') });
	const err = formError();
	const submit = h('button', { type: 'submit' }, t('staff.instructors.add'));
	const form = h('form', { novalidate: true, 'aria-labelledby': 'ins-h' },
		err, f.wrap, h('p', null, submit));
	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		clearErrors({ email: f }, err);
		const email = f.input.value.trim();
		if (!email) {
			apiFailure(new ApiError(422, { error: { code: 'required',
				field: 'email' } }), { email: f }, err);
			return;
		}
		submit.disabled = true;
		try {
			await api.post(`${url}/instructors`, { email });
			said.textContent = t('staff.instructors.added', { email });
			f.input.value = '';
		} catch (x) {
			apiFailure(x, { email: f }, err);
		} finally {
			submit.disabled = false;
		}
	});
	return h('section', { 'aria-labelledby': 'ins-h' },
		h('h2', { id: 'ins-h' }, t('staff.instructors.title')), form);
}
