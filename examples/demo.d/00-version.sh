# Demo step: record the version (shows the step mechanism).
step version version
