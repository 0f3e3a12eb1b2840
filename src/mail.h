/*
 * Mail (docs/mail.md): the settings of the mail_send job (mail_send.c),
 * read once in each worker.
 */

#ifndef __H_MAIL_H
#define __H_MAIL_H

void	mail_init(void);

#endif
