"""The WSGI entry point gunicorn serves: `gunicorn -k gevent -w 1 wsgi:app`."""

from queue_app import create_app

app = create_app()
