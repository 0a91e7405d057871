/*
 * banned.h - functions that ronda code must not call.
 *
 * Include it last in every .c file of ronda (after the system headers, which
 * declare these names).  A call to a banned function then fails to compile
 * with a name that says why.  Use the buffer type (buf.h), snprintf with a
 * checked result, strtol/strtoull with full error checks, or strtok_r.
 */
#ifndef RONDA_BANNED_H
#define RONDA_BANNED_H

#define RONDA_BANNED(func) sorry_##func##_is_banned_in_ronda

#undef strcpy
#define strcpy(...) RONDA_BANNED(strcpy)
#undef strcat
#define strcat(...) RONDA_BANNED(strcat)
#undef strncpy
#define strncpy(...) RONDA_BANNED(strncpy)
#undef strncat
#define strncat(...) RONDA_BANNED(strncat)
#undef sprintf
#define sprintf(...) RONDA_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) RONDA_BANNED(vsprintf)
#undef gets
#define gets(...) RONDA_BANNED(gets)
#undef strtok
#define strtok(...) RONDA_BANNED(strtok)
#undef atoi
#define atoi(...) RONDA_BANNED(atoi)
#undef atol
#define atol(...) RONDA_BANNED(atol)
#undef atoll
#define atoll(...) RONDA_BANNED(atoll)
#undef atof
#define atof(...) RONDA_BANNED(atof)
#undef system
#define system(...) RONDA_BANNED(system)
#undef popen
#define popen(...) RONDA_BANNED(popen)
#undef tmpnam
#define tmpnam(...) RONDA_BANNED(tmpnam)
#undef mktemp
#define mktemp(...) RONDA_BANNED(mktemp)

#endif
