/* gainkit/export.h — which symbols libgainkit exports.
 *
 * The library is compiled with -fvisibility=hidden: nothing is exported
 * unless a public header says so. Every public header brackets its
 * declarations with GK_API_BEGIN / GK_API_END (GK_API applied to each
 * declaration in between), so a function added to a public header is
 * exported and one declared only in an internal header (src/) is not.
 * GK_API marks a single declaration outside such a bracket. */
#ifndef GAINKIT_EXPORT_H
#define GAINKIT_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define GK_API __attribute__((visibility("default")))
#define GK_API_BEGIN _Pragma("GCC visibility push(default)")
#define GK_API_END _Pragma("GCC visibility pop")
#else
#define GK_API
#define GK_API_BEGIN
#define GK_API_END
#endif

#endif
