"""dj-optimize: rewrite a Django Dockerfile to build fast, ship small and run right."""
