# Power off at once: the shortest complete boot.
poweroff -f
