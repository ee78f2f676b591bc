"""Helper package of the course "Redes convolucionais avançadas" (PSI5790).

Import the modules you need explicitly, e.g. ``from autograder import data, settings``;
importing the package changes no setting. Modules: ``settings`` (smoke mode, seeds,
GPU check), ``data`` (CIFAR-10, MNIST, Fashion-MNIST, synthetic stand-ins),
``imagenet``, ``plots``, ``checks`` (self-checks per lesson), ``resources`` (shipped
files), ``course`` (repository address), and, for instructors, ``grading``, ``demo``
and the ``autograder`` command.
"""

__version__ = "0.1.0"
