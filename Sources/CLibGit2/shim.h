#ifndef CAPSTAN_CLIBGIT2_SHIM_H
#define CAPSTAN_CLIBGIT2_SHIM_H
#include <git2.h>

// git_libgit2_opts is variadic, which Swift cannot call: one wrapper per option we use.
static inline int capstan_git_set_owner_validation(int enabled) {
    return git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, enabled);
}

// Largest object of `type` libgit2 keeps parsed in its object cache (trees: 4 KiB by default).
static inline int capstan_git_set_cache_object_limit(git_object_t type, size_t size) {
    return git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, type, size);
}

// Bytes of parsed objects the cache holds now.
static inline ssize_t capstan_git_cached_memory(void) {
    ssize_t current = 0, allowed = 0;
    git_libgit2_opts(GIT_OPT_GET_CACHED_MEMORY, &current, &allowed);
    return current;
}

#endif
