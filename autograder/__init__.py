"""Helper package of the course "Redes convolucionais avançadas" (PSI5790).

Import the modules you need explicitly, e.g. ``from autograder import data, settings``;
importing the package changes no setting. Modules: ``settings`` (smoke mode, seeds,
GPU check), ``data`` (CIFAR-10, MNIST, Fashion-MNIST, synthetic stand-ins),
``imagenet``, ``plots``, ``formatting`` (numbers with a decimal comma), ``checks``
(self-checks per lesson), ``probes`` (what the hidden tests call while grading),
``resources`` (shipped files) and ``course`` (repository address). The grading pipeline
is not here: it lives in the instructors' repository and is never installed by students.
"""

__version__ = "0.1.0"
