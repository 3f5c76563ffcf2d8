#!/bin/bash -ex
# The assets are built elsewhere when NODE_DONE is set: npm is not in the image.
if [ "x${NODE_DONE}" != "xyes" ]
then
    npm ci
fi
./manage.py collectstatic --no-input
