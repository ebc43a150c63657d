"""What ``training`` and ``data`` both need (they do not import each other): reading LeRobot v3 datasets,
dataset statistics, MP4 video."""
