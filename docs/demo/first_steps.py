"""First steps with lxkns: discover, look up, walk, explain."""

import os

import lxkns

d = lxkns.discover()  # STANDARD: every source, hierarchy, ownership, cgroups
print(d)

# The network namespace this very process is attached to.
me = d.process(os.getpid())
netns = me.namespaces[lxkns.NET]
print(netns, "ref:", netns.ref_text, "owner:", netns.owner)
print("  ealdorman:", netns.ealdorman, "processes:", len(netns.processes))

# The user namespace tree, from each root down, with what each one owns.
for root in d.user_roots:
    for user in root.walk():
        owned = ", ".join(f"{len(nss)} {t}" for t, nss in user.owned.items()) or "nothing"
        where = user.ref_text or ("hidden" if user.hidden else "no ref")
        print("  " * user.depth + f"{user} by {user.owner_name} owns {owned}  [{where}]")

# What could not be seen, and why.
for diag in d.diagnostics:
    print(diag, "e.g.", ", ".join(diag.examples[:2]))
