"""The family cabinet's screens: home summary, diary sections, school facts, acknowledgement."""
