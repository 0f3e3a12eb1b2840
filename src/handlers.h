/*
 * API handlers, by domain. Only api.c's route table calls them.
 */

#ifndef __H_HANDLERS_H
#define __H_HANDLERS_H

#include "platform.h"

/* session.c */
int	session_authenticate(struct http_request *, struct api_req *, int);

/* health.c */
int	meta_get(struct http_request *, struct api_req *);

/* accounts.c */
int	auth_register(struct http_request *, struct api_req *);
int	auth_login(struct http_request *, struct api_req *);
int	auth_refresh(struct http_request *, struct api_req *);
int	auth_logout(struct http_request *, struct api_req *);
int	auth_logout_all(struct http_request *, struct api_req *);
int	me_get(struct http_request *, struct api_req *);
int	me_patch(struct http_request *, struct api_req *);
int	me_password(struct http_request *, struct api_req *);
int	me_export(struct http_request *, struct api_req *);
int	me_erase(struct http_request *, struct api_req *);

/* admin.c */
int	admin_users_list(struct http_request *, struct api_req *);
int	admin_user_patch(struct http_request *, struct api_req *);
int	admin_audit(struct http_request *, struct api_req *);
int	admin_jobs(struct http_request *, struct api_req *);

/* report_summary.c */
int	admin_report_summary(struct http_request *, struct api_req *);
int	instructor_report_summary(struct http_request *, struct api_req *);

/* courses.c */
int	catalog_list(struct http_request *, struct api_req *);
int	course_get(struct http_request *, struct api_req *);

/* media.c */
int	media_get(struct http_request *, struct api_req *);

/* authoring.c */
int	instructor_courses(struct http_request *, struct api_req *);
int	course_create(struct http_request *, struct api_req *);
int	course_patch(struct http_request *, struct api_req *);
int	course_publish(struct http_request *, struct api_req *);
int	course_unpublish(struct http_request *, struct api_req *);
int	course_preview(struct http_request *, struct api_req *);
int	course_instructor_add(struct http_request *, struct api_req *);
int	course_learners(struct http_request *, struct api_req *);
int	module_upload(struct http_request *, struct api_req *);
int	module_delete(struct http_request *, struct api_req *);
int	module_reorder(struct http_request *, struct api_req *);

/* reports.c */
int	admin_report_completions(struct http_request *, struct api_req *);
int	admin_report_completions_count(struct http_request *,
	    struct api_req *);
int	instructor_report_completions(struct http_request *, struct api_req *);
int	instructor_report_completions_count(struct http_request *,
	    struct api_req *);

/* certificates.c */
int	my_certificates(struct http_request *, struct api_req *);
int	certificate_pdf(struct http_request *, struct api_req *);
int	admin_certificates_list(struct http_request *, struct api_req *);
int	admin_certificate_revoke(struct http_request *, struct api_req *);
int	admin_course_certificates_zip(struct http_request *, struct api_req *);
int	verify_get(struct http_request *, struct api_req *);
int	enrollment_renew(struct http_request *, struct api_req *);
/* cert_ob3.c */
int	certificate_credential(struct http_request *, struct api_req *);
int	issuer_get(struct http_request *, struct api_req *);

/* quiz_attempts.c */
int	quiz_get(struct http_request *, struct api_req *);
int	quiz_attempt_start(struct http_request *, struct api_req *);
int	quiz_attempt_get(struct http_request *, struct api_req *);
int	quiz_attempt_save(struct http_request *, struct api_req *);
int	quiz_attempt_submit(struct http_request *, struct api_req *);
int	instructor_course_quizzes(struct http_request *, struct api_req *);
int	instructor_quiz_get(struct http_request *, struct api_req *);
int	instructor_quiz_patch(struct http_request *, struct api_req *);
/* quiz_banks.c */
int	question_import(struct http_request *, struct api_req *);
int	question_bank_list(struct http_request *, struct api_req *);
int	question_delete(struct http_request *, struct api_req *);
int	quiz_stats(struct http_request *, struct api_req *);

/* learning.c */
int	enrollment_create(struct http_request *, struct api_req *);
int	enrollment_delete(struct http_request *, struct api_req *);
int	course_progress_get(struct http_request *, struct api_req *);
int	my_enrollments(struct http_request *, struct api_req *);
int	lesson_get(struct http_request *, struct api_req *);
int	progress_put(struct http_request *, struct api_req *);
int	admin_enrollments_import(struct http_request *, struct api_req *);

#endif
