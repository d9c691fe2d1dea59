"""crashloop-bot: why is this pod crash-looping?"""

__version__ = "0.1.0"
