"""The video library: product and music videos as stages with pluggable providers, rendered and
composed locally with ffmpeg. No database, HTTP server or jobs here."""
