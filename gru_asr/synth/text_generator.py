"""Built-in generator of varied English sentences in spoken form.

The sentences feed a synthetic ASR corpus: espeak-ng speaks each sentence and the
very same string is the character-level CTC target.  Every sentence is therefore
in *spoken form*: lowercase ``a-z``, apostrophes and single spaces, with numbers,
dates and times written out the way a speaker says them ("half past seven",
"the fourth of july", "twelve dollars and fifty cents").

The generator is a small weighted context-free grammar.  All words live in the
module-level tuples below; the grammar rules are built from those tuples, and
:func:`vocabulary` walks the very same rules, so the vocabulary cannot drift from
what the generator emits.

Grammar notation: a rule is a tuple of alternatives; an alternative is a string,
or a ``(string, weight)`` pair (default weight 1).  Inside an alternative,
``{name}`` expands rule ``name`` and every other token is a literal word; the
empty string expands to nothing.
"""

from __future__ import annotations

import bisect
import random
import re
import unicodedata
from typing import NamedTuple

__all__ = [
    "SentenceGenerator",
    "normalize_spoken",
    "number_to_words",
    "ordinal_to_words",
    "year_to_words",
    "vocabulary",
]

# ===========================================================================
# Word lists
# ===========================================================================
# Only words espeak-ng reads as ordinary words: no abbreviations, no acronyms it
# would spell letter by letter, no names whose pronunciation is a guess.

# --- people -----------------------------------------------------------------

FEMALE_NAMES = (
    "mary", "linda", "elizabeth", "barbara", "susan", "jessica", "sarah", "karen",
    "nancy", "lisa", "betty", "margaret", "sandra", "ashley", "kimberly", "emily",
    "donna", "michelle", "dorothy", "carol", "amanda", "melissa", "stephanie",
    "rebecca", "sharon", "laura", "kathleen", "amy", "angela", "helen", "anna",
    "brenda", "pamela", "nicole", "emma", "samantha", "katherine", "christine",
    "rachel", "catherine", "carolyn", "janet", "ruth", "maria", "heather", "diane",
    "virginia", "julie", "joyce", "victoria", "olivia", "kelly", "christina",
    "lauren", "judith", "megan", "andrea", "hannah", "martha", "gloria", "ann",
    "janice", "jean", "alice", "madison", "doris", "abigail", "julia", "judy",
    "grace", "denise", "amber", "marilyn", "beverly", "danielle", "sophia", "marie",
    "diana", "natalie", "isabella", "charlotte", "rose", "kayla", "lily", "ella",
    "chloe", "zoe", "lucy", "holly", "molly", "ruby", "daisy", "jenny", "wendy",
    "tina", "peggy", "sally", "penny", "rosie", "ellie", "amelia", "harriet",
    "caroline", "fiona", "jane", "kate", "claire", "sophie", "bella", "stella",
    "paula", "monica", "vanessa", "rita", "nina", "clara", "iris", "hazel", "eva",
)

MALE_NAMES = (
    "james", "john", "robert", "michael", "william", "david", "richard", "joseph",
    "thomas", "charles", "daniel", "matthew", "anthony", "mark", "paul", "steven",
    "andrew", "kevin", "brian", "george", "edward", "ronald", "timothy", "jason",
    "jeffrey", "ryan", "jacob", "gary", "nicholas", "eric", "jonathan", "larry",
    "justin", "scott", "brandon", "benjamin", "samuel", "frank", "alexander",
    "raymond", "patrick", "jack", "dennis", "jerry", "tyler", "aaron", "henry",
    "adam", "douglas", "nathan", "peter", "zachary", "kyle", "walter", "harold",
    "jeremy", "ethan", "carl", "keith", "roger", "terry", "arthur", "noah",
    "lawrence", "jesse", "bryan", "billy", "albert", "dylan", "bruce", "gabriel",
    "alan", "logan", "wayne", "ralph", "roy", "eugene", "randy", "vincent",
    "russell", "philip", "bobby", "johnny", "bradley", "oliver", "harry", "charlie",
    "oscar", "leo", "max", "toby", "luke", "lucas", "simon", "martin", "victor",
    "colin", "dean", "neil", "graham", "tony", "fred", "sam", "ben", "tom", "tim",
    "dan", "joe", "ted", "ray", "jim", "bill", "bob", "mike", "nick", "steve",
    "chris", "owen", "evan", "ian", "adrian", "hugo", "felix", "isaac", "caleb",
    "connor", "mason", "liam", "jake",
)

FIRST_NAMES = FEMALE_NAMES + MALE_NAMES

FEMALE_RELATIVES = (
    "mother", "mom", "sister", "daughter", "aunt", "grandmother", "grandma", "wife",
    "niece", "granddaughter", "girlfriend",
)
MALE_RELATIVES = (
    "father", "dad", "brother", "son", "uncle", "grandfather", "grandpa", "husband",
    "nephew", "grandson", "boyfriend",
)
RELATIVES = FEMALE_RELATIVES + MALE_RELATIVES + ("cousin", "twin")
# Plurals such as "my wives" or "my moms" read oddly, so plural relatives come
# from their own list.
RELATIVES_IN_PLURAL = (
    "brother", "sister", "son", "daughter", "uncle", "aunt", "cousin", "niece",
    "nephew", "parent", "grandparent", "grandchild", "twin", "kid",
)

SOCIAL_ROLES = (
    "friend", "neighbor", "colleague", "classmate", "roommate", "boss", "teammate",
    "partner", "landlord", "best friend", "old friend",
)

PEOPLE = (
    "man", "woman", "boy", "girl", "kid", "child", "person", "baby", "teenager",
    "lady", "gentleman", "stranger", "tourist", "visitor", "customer", "passenger",
    "student", "guest", "volunteer", "driver",
)

OCCUPATIONS = (
    "teacher", "doctor", "nurse", "dentist", "lawyer", "farmer", "baker", "butcher",
    "chef", "cook", "pilot", "engineer", "artist", "painter", "singer", "dancer",
    "writer", "author", "actor", "actress", "waiter", "waitress", "professor",
    "scientist", "mechanic", "plumber", "carpenter", "electrician", "firefighter",
    "police officer", "soldier", "sailor", "fisherman", "gardener", "cleaner",
    "cashier", "manager", "secretary", "accountant", "banker", "architect",
    "photographer", "journalist", "reporter", "librarian", "musician", "coach",
    "judge", "guard", "mayor", "surgeon", "pharmacist", "tailor", "barber",
    "builder", "poet", "designer", "programmer", "salesman", "shopkeeper",
    "receptionist", "postman", "athlete", "detective", "clerk", "captain",
    "president", "director", "editor", "translator", "tutor", "nanny",
    "babysitter", "bus driver", "taxi driver", "principal", "janitor", "lifeguard",
    "hairdresser", "instructor", "officer", "tour guide", "priest", "midwife",
)

PERSON_ADJECTIVES = (
    "tall", "short", "young", "old", "kind", "friendly", "happy", "sad", "tired",
    "busy", "angry", "quiet", "funny", "clever", "smart", "shy", "polite", "rude",
    "brave", "lazy", "patient", "nervous", "honest", "famous", "cheerful", "calm",
    "curious", "proud", "lonely", "hungry", "thirsty", "sleepy", "worried",
    "excited", "careful", "strong", "gentle", "generous", "serious", "bored",
    "confused", "surprised", "grumpy", "helpful", "lucky", "healthy", "sick",
    "rich", "poor", "wise", "talented", "handsome", "pretty", "beautiful",
    "brilliant", "strict", "relaxed", "upset", "loud", "noisy", "elderly",
    "charming", "clumsy", "confident", "energetic", "foolish", "jealous", "lovely",
    "modest", "naughty", "nice", "pleasant", "popular", "reliable", "scared",
    "selfish", "sensible", "sensitive", "silly", "stubborn", "sweet", "thoughtful",
    "weird", "anxious", "delighted", "disappointed", "embarrassed", "exhausted",
    "grateful", "hopeful", "impatient", "annoyed", "amazed", "frightened",
    "furious", "pleased", "satisfied", "cute", "wonderful", "mysterious",
)
PERSON_ATTRIBUTIVE = ("little", "new", "local", "favorite")
# Predicate-only states: "i am ready" is fine, "the ready man" is not.
FEELINGS = (
    "sorry", "ready", "glad", "sure", "afraid", "awake", "asleep", "alone", "fine",
    "okay", "well", "late", "early", "right", "wrong", "free", "safe",
)

# --- animals and plants -----------------------------------------------------

ANIMALS = (
    "dog", "cat", "horse", "cow", "pig", "sheep", "goat", "chicken", "duck", "goose",
    "rabbit", "mouse", "rat", "bird", "fish", "frog", "snake", "turtle", "lion",
    "tiger", "bear", "wolf", "fox", "deer", "elephant", "giraffe", "monkey", "zebra",
    "kangaroo", "camel", "donkey", "owl", "eagle", "parrot", "penguin", "dolphin",
    "whale", "shark", "squirrel", "bee", "butterfly", "spider", "ant", "puppy",
    "kitten", "pony", "lamb", "bull", "swan", "crow", "pigeon", "hamster",
    "goldfish", "lizard", "crab", "octopus", "seal", "otter", "badger", "hedgehog",
    "mosquito", "beetle", "snail", "tortoise", "calf", "chick", "hen", "rooster",
)
ANIMAL_ADJECTIVES = (
    "small", "big", "young", "old", "friendly", "hungry", "lazy", "noisy", "cute",
    "wild", "tiny", "huge", "fat", "thin", "playful", "sleepy", "brown", "black",
    "white", "gray", "spotted", "fluffy", "shy", "clever", "curious", "quiet",
    "fast", "slow", "beautiful", "strange", "angry", "happy", "tired", "large",
    "dangerous", "gentle", "healthy", "sick", "scared", "lost",
)
ANIMAL_ATTRIBUTIVE = ("little", "baby", "stray", "pet")

PLANTS = (
    "flower", "rose", "tree", "bush", "tulip", "daisy", "sunflower", "lily", "plant",
    "seed", "fern", "orchid", "vine", "hedge", "weed", "palm tree", "apple tree",
    "oak tree", "pine tree", "houseplant", "cactus", "tomato plant",
)
PLANT_ADJECTIVES = (
    "beautiful", "tall", "small", "tiny", "huge", "old", "young", "green", "red",
    "yellow", "white", "pink", "purple", "dry", "healthy", "tropical", "wild",
    "lovely", "colorful", "fresh", "dead", "strange", "rare", "fragrant",
)
PLANT_ATTRIBUTIVE = ("little", "new", "favorite", "potted")

# --- food and drink -----------------------------------------------------------

FRUITS = (
    "apple", "banana", "orange", "pear", "peach", "lemon", "lime", "grape", "cherry",
    "strawberry", "melon", "watermelon", "pineapple", "plum", "avocado", "apricot",
    "coconut", "mango", "blueberry", "raspberry", "tangerine", "kiwi",
)
FRUIT_ADJECTIVES = (
    "fresh", "ripe", "juicy", "sweet", "sour", "green", "red", "yellow", "big",
    "small", "rotten", "frozen", "organic", "tasty", "soft", "hard", "expensive",
    "cheap", "huge", "tiny", "delicious", "perfect",
)
VEGETABLES = (
    "potato", "tomato", "carrot", "onion", "cucumber", "pepper", "mushroom",
    "cabbage", "pumpkin", "eggplant", "radish", "turnip", "sweet potato", "bean",
    "pea", "vegetable", "leek", "beet",
)
VEGETABLE_ADJECTIVES = (
    "fresh", "green", "raw", "frozen", "organic", "big", "small", "crunchy", "tiny",
    "huge", "ripe", "red", "yellow", "soft", "rotten", "delicious", "cheap",
    "expensive", "healthy",
)
VEGETABLE_ATTRIBUTIVE = ("local", "baby", "roasted", "boiled", "grilled")
DISHES = (
    "egg", "cookie", "cake", "pie", "sandwich", "burger", "pizza", "sausage",
    "pancake", "muffin", "biscuit", "cupcake", "doughnut", "taco", "salad", "steak",
    "bagel", "almond", "peanut", "walnut", "cracker", "meatball", "dumpling",
    "burrito", "hot dog", "pretzel", "waffle", "bread roll", "lollipop",
    "candy bar", "omelet", "pickle", "pastry", "tart", "chicken wing",
)
DISH_ADJECTIVES = (
    "warm", "hot", "cold", "delicious", "tasty", "spicy", "sweet", "salty", "crispy",
    "soft", "frozen", "cheap", "expensive", "burnt", "huge", "tiny", "big", "small",
    "creamy", "fancy", "healthy", "fresh", "perfect", "dry", "greasy", "stale",
)
DISH_ATTRIBUTIVE = ("homemade", "leftover", "chocolate", "vegetarian", "giant")
FOOD_PLURAL_ONLY = ("noodles", "fries", "chips", "leftovers", "groceries", "snacks")

# Mass nouns are split by the containers that suit them ("a bag of rice",
# "a slice of cheese", "a jar of honey") so the units never clash.
FOOD_STAPLES = ("rice", "cereal", "popcorn", "pasta", "spaghetti", "corn", "oatmeal", "couscous")
BAKING_INGREDIENTS = ("flour", "sugar", "salt", "brown sugar", "lentils", "coffee beans", "oats", "cornflour")
GRAIN_UNITS = ("bag", "box", "bowl", "cup", "kilo", "pound", "handful")
FOOD_PIECES = (
    "bread", "cheese", "chicken", "fish", "meat", "beef", "pork", "chocolate",
    "bacon", "ham", "salmon", "toast", "cake", "pie", "pizza", "turkey", "lamb",
)
PIECE_UNITS = ("piece", "slice", "plate", "bit")
FOOD_SPREADS = (
    "soup", "sauce", "honey", "jam", "yogurt", "cream", "ice cream",
    "peanut butter", "tomato sauce", "butter", "mustard", "mayonnaise",
)
SPREAD_UNITS = ("jar", "bowl", "spoonful", "tub", "pot")
FOOD_OTHER = (
    "broccoli", "spinach", "lettuce", "celery", "garlic", "ginger", "tuna", "fruit",
    "candy", "seafood", "shrimp", "food", "dessert", "breakfast", "lunch", "dinner",
)
# Cooked dishes people make, serve and eat as a meal.
MEALS = (
    "soup", "pasta", "rice", "chicken", "fish", "spaghetti", "curry", "stew",
    "lasagna", "pizza", "roast beef", "fried rice", "chicken soup", "vegetable soup",
    "pancakes", "salmon", "steak", "chili", "fish and chips", "mashed potatoes",
    "scrambled eggs", "porridge", "noodle soup", "meatloaf", "apple pie",
    "chocolate cake", "roast chicken", "beef stew", "tomato soup", "omelets",
    "sandwiches", "burgers", "tacos", "dumplings", "salad", "risotto",
)
COOKING_FATS = ("olive oil", "butter", "oil", "a little oil", "hot oil", "vegetable oil")
FOOD_MASS_ADJECTIVES = (
    "fresh", "warm", "hot", "cold", "delicious", "tasty", "spicy", "sweet", "salty",
    "cheap", "expensive", "organic", "healthy", "plain", "frozen", "good", "bad",
)
SPICES = ("salt", "pepper", "sugar", "cinnamon", "paprika", "nutmeg", "chili powder", "oregano")

HOT_DRINKS = ("coffee", "tea", "hot chocolate", "green tea", "cocoa", "herbal tea")
COLD_DRINKS = (
    "water", "juice", "milk", "lemonade", "soda", "orange juice", "apple juice",
    "iced tea", "sparkling water", "mineral water", "cold water",
)
ADULT_DRINKS = ("wine", "beer", "red wine", "white wine", "champagne", "cider")
HOT_DRINK_UNITS = ("cup", "mug", "pot")
COLD_DRINK_UNITS = ("glass", "bottle", "jug", "carton")
DRINK_ADJECTIVES = ("hot", "cold", "fresh", "sweet", "strong", "weak", "bitter", "cheap", "expensive", "warm")

CUISINES = (
    "italian", "chinese", "mexican", "indian", "french", "japanese", "thai", "greek",
    "spanish", "korean", "turkish", "vietnamese", "american", "german", "lebanese",
)

# --- things -------------------------------------------------------------------

HOUSEHOLD_OBJECTS = (
    "key", "phone", "wallet", "bag", "box", "lamp", "clock", "watch", "cup", "mug",
    "plate", "bowl", "glass", "bottle", "knife", "fork", "spoon", "pan", "pot",
    "kettle", "towel", "blanket", "pillow", "mirror", "brush", "comb", "umbrella",
    "ticket", "pen", "pencil", "notebook", "camera", "laptop", "picture", "painting",
    "photo", "candle", "basket", "bucket", "ladder", "hammer", "screwdriver",
    "shovel", "rope", "battery", "charger", "cable", "suitcase", "backpack",
    "envelope", "stamp", "coin", "map", "toy", "ball", "doll", "puzzle", "present",
    "gift", "ring", "necklace", "bracelet", "vase", "jar", "tray", "cushion", "rug",
    "curtain", "sponge", "calendar", "stapler", "ruler", "eraser", "magnet",
    "flashlight", "package", "parcel", "poster", "statue", "trophy", "medal",
    "helmet", "tent", "sleeping bag", "lunchbox", "toothbrush", "hairbrush",
    "remote control", "wrench", "drill", "bell", "whistle", "kite", "balloon",
    "picture frame", "wheel", "mop", "broom", "paintbrush", "toolbox",
    "water bottle", "teapot", "frying pan", "cutting board", "key ring", "purse",
    "handbag", "diary", "bookmark", "compass", "telescope", "globe", "button",
    "needle", "thread", "feather", "shell", "stone", "marble", "teddy bear",
)
OBJECT_PLURAL_ONLY = ("scissors", "sunglasses", "headphones", "glasses", "keys", "tools", "matches")
OBJECT_ADJECTIVES = (
    "big", "small", "large", "tiny", "huge", "old", "new", "broken", "heavy",
    "light", "clean", "dirty", "expensive", "cheap", "shiny", "beautiful", "ugly",
    "strange", "plastic", "wooden", "metal", "empty", "full", "useful", "fancy",
    "simple", "modern", "dusty", "wet", "dry", "lovely", "nice", "ordinary",
    "valuable", "fragile", "rusty", "soft", "hard", "smooth", "bright", "dark",
    "colorful", "cute", "perfect", "unusual", "precious", "cracked", "sticky",
    "warm", "cold", "red", "blue", "green", "yellow", "black", "white", "brown",
    "pink", "purple", "orange", "gray", "silver", "golden",
)
OBJECT_ATTRIBUTIVE = ("favorite", "spare", "antique", "little", "brand new", "second hand")

FURNITURE = (
    "table", "desk", "chair", "sofa", "couch", "bed", "shelf", "bench", "counter",
    "dresser", "cabinet", "bookcase", "stool", "armchair", "nightstand",
    "fireplace", "fridge", "door", "sink", "rug", "carpet", "pillow", "television",
    "window", "mirror", "lamp", "piano", "stove", "washing machine", "radiator",
    "coffee table", "kitchen table",
)
FURNITURE_ADJECTIVES = (
    "old", "new", "big", "small", "wooden", "heavy", "comfortable", "dusty", "dirty",
    "clean", "broken", "white", "black", "brown", "red", "blue", "green", "low",
    "round", "long", "antique", "modern", "expensive", "cheap", "lovely",
)
CONTAINERS = (
    "drawer", "cupboard", "box", "bag", "basket", "closet", "fridge", "suitcase",
    "backpack", "pocket", "wardrobe", "car", "jar", "envelope", "bucket", "trunk",
    "handbag", "purse", "toolbox", "mailbox", "locker", "freezer", "oven",
    "glove box", "shoebox", "laundry basket",
)

DEVICES = (
    "lamp", "heater", "fan", "television", "radio", "oven", "dishwasher",
    "washing machine", "dryer", "coffee machine", "computer", "printer", "speaker",
    "kettle", "microwave", "laptop", "air conditioner", "toaster",
    "vacuum cleaner", "fridge", "freezer", "camera", "tablet", "projector", "router",
    "alarm clock", "blender", "hair dryer", "doorbell", "stereo", "smoke alarm",
)
DEVICE_ADJECTIVES = (
    "new", "old", "broken", "noisy", "quiet", "expensive", "cheap", "small", "big",
    "modern", "smart", "portable", "electric", "black", "white", "silver", "useful",
    "tiny", "heavy", "shiny", "reliable", "powerful", "slow", "fast",
)
DEVICE_ATTRIBUTIVE = ("spare", "second hand", "brand new", "favorite", "wireless")

CLOTHING = (
    "shirt", "jacket", "coat", "dress", "skirt", "sweater", "scarf", "hat", "cap",
    "glove", "sock", "shoe", "boot", "belt", "tie", "uniform", "blouse", "vest",
    "suit", "raincoat", "sandal", "slipper", "swimsuit", "apron", "cardigan",
    "sneaker", "jumper", "overcoat", "nightgown", "costume", "tracksuit",
)
CLOTHING_PLURAL_ONLY = ("jeans", "trousers", "shorts", "pajamas", "pants", "leggings")
COLORS = (
    "red", "blue", "green", "yellow", "black", "white", "brown", "pink", "purple",
    "orange", "gray", "silver", "golden", "dark blue", "light blue", "dark green",
    "bright red", "navy blue",
)
CLOTHING_ADJECTIVES = (
    "warm", "new", "old", "clean", "dirty", "cheap", "expensive", "woolen", "cotton",
    "leather", "striped", "tight", "loose", "long", "short", "comfortable", "fancy",
    "heavy", "thin", "waterproof", "ugly", "beautiful", "lovely", "wet", "dry",
    "elegant", "colorful", "plain", "smart", "casual", "soft", "torn",
    "red", "blue", "green", "yellow", "black", "white", "brown", "pink", "purple",
    "orange", "gray",
)
CLOTHING_ATTRIBUTIVE = ("favorite", "spare", "second hand", "brand new", "winter", "summer")
CLOTHING_FIT = ("small", "big", "tight", "loose", "long", "short", "expensive", "warm", "thin", "bright")

INSTRUMENTS = (
    "piano", "guitar", "violin", "drum", "flute", "trumpet", "harp", "saxophone",
    "clarinet", "banjo", "harmonica", "organ", "accordion", "tuba", "trombone",
    "xylophone", "bass guitar", "electric guitar", "keyboard", "tambourine",
)

BODY_PARTS = (
    "head", "arm", "leg", "back", "foot", "hand", "knee", "shoulder", "neck",
    "stomach", "tooth", "ear", "eye", "finger", "toe", "elbow", "ankle", "wrist",
    "throat", "nose", "hip", "chest", "thumb", "face",
)
AILMENTS = (
    "headache", "toothache", "backache", "stomachache", "sore throat", "fever",
    "cold", "cough", "runny nose", "rash", "earache", "sunburn", "bad cold",
    "high temperature", "sprained ankle", "broken arm", "broken leg",
)
BODY_ADJECTIVES = ("left", "right", "sore", "swollen", "injured", "bad", "broken")
MEDICINE_DOSES = (
    "one pill", "two pills", "one tablet", "two tablets", "three drops", "a spoonful of syrup",
    "one capsule", "two capsules", "a vitamin", "half a tablet",
)
# Body parts people have in pairs or more; "my noses hurt" would be odd.
BODY_PARTS_IN_PLURAL = (
    "arm", "leg", "foot", "hand", "knee", "shoulder", "ear", "eye", "finger", "toe",
    "elbow", "ankle", "wrist", "hip", "thumb", "tooth",
)

# --- vehicles and places -------------------------------------------------------

ROAD_VEHICLES = (
    "car", "truck", "van", "taxi", "tractor", "ambulance", "bus", "fire engine",
    "sports car", "limousine", "delivery van", "camper van", "minibus", "jeep",
)
RIDEABLE_VEHICLES = ("bicycle", "bike", "motorcycle", "scooter", "mountain bike", "tricycle")
TRANSPORT = (
    "bus", "train", "tram", "ferry", "plane", "subway", "boat", "shuttle",
    "night bus", "express train", "coach", "cable car", "water taxi",
)
VEHICLE_ADJECTIVES = (
    "new", "old", "red", "blue", "black", "white", "silver", "green", "yellow",
    "fast", "slow", "small", "big", "huge", "shiny", "dirty", "clean", "noisy",
    "expensive", "cheap", "broken", "rusty", "electric", "comfortable", "crowded",
    "empty", "modern", "reliable", "tiny",
)
VEHICLE_ATTRIBUTIVE = ("second hand", "brand new", "rented", "favorite", "family")
TRANSPORT_ADJECTIVES = ("crowded", "empty", "early", "late", "slow", "fast", "cheap", "long")
TRANSPORT_ATTRIBUTIVE = ("next", "last", "first", "early", "late", "morning", "evening", "direct")

TOWN_PLACES = (
    "park", "library", "museum", "school", "hospital", "station", "airport", "bank",
    "bakery", "supermarket", "market", "restaurant", "pharmacy", "post office",
    "cinema", "theater", "stadium", "gym", "hotel", "church", "office", "factory",
    "shop", "store", "mall", "zoo", "farm", "playground", "bridge", "castle",
    "tower", "harbor", "bookstore", "gas station", "police station", "fire station",
    "swimming pool", "university", "college", "studio", "garage", "parking lot",
    "bus stop", "train station", "cathedral", "temple", "palace", "gallery",
    "town hall", "city hall", "concert hall", "clinic", "lighthouse", "campsite",
    "village", "town", "neighborhood", "apartment", "house", "building", "cottage",
    "barn", "coffee shop", "flower shop", "toy store", "shoe store",
    "hardware store", "grocery store", "sports center", "community center",
    "art gallery", "skating rink", "fish market", "pet shop",
)
SHOPS = (
    "supermarket", "bakery", "pharmacy", "bookstore", "market", "mall", "shop",
    "store", "grocery store", "hardware store", "shoe store", "toy store",
    "flower shop", "clothing store", "corner shop", "pet shop", "fish market",
    "farmers market", "department store",
)
PLACE_ADJECTIVES = (
    "quiet", "busy", "crowded", "famous", "beautiful", "old", "new", "empty",
    "modern", "tiny", "huge", "small", "big", "large", "popular", "expensive",
    "cheap", "clean", "dirty", "noisy", "dark", "bright", "cozy", "lovely",
    "ancient", "historic", "closed", "open", "friendly", "strange", "peaceful",
    "ugly", "wonderful", "impressive", "tall",
)
PLACE_ATTRIBUTIVE = ("local", "nearest", "nearby", "main", "favorite", "only", "new", "old")

ROOMS = (
    "kitchen", "bedroom", "bathroom", "living room", "dining room", "basement",
    "attic", "garage", "hallway", "office", "garden", "laundry room",
    "guest room", "backyard", "playroom", "cellar", "classroom", "nursery",
)
ROOM_ADJECTIVES = (
    "small", "big", "large", "tiny", "cold", "warm", "dark", "bright", "messy",
    "tidy", "clean", "dirty", "quiet", "noisy", "empty", "cozy", "sunny", "old",
    "new", "lovely", "spacious", "comfortable",
)

NATURE_PLACES = (
    "river", "lake", "mountain", "hill", "forest", "beach", "sea", "ocean", "island",
    "valley", "field", "desert", "waterfall", "cave", "cliff", "coast", "stream",
    "pond", "volcano", "jungle", "meadow", "canyon", "glacier", "bay", "trail",
    "path", "swamp", "vineyard", "orchard", "riverbank", "lagoon",
)
# Places one is "in" rather than "on" or "at" ("in the forest", not "in the coast").
NATURE_INSIDE = (
    "forest", "jungle", "desert", "valley", "field", "meadow", "woods", "mountains",
    "hills", "countryside", "park", "garden", "snow", "orchard", "vineyard", "swamp",
)
NATURE_ADJECTIVES = (
    "beautiful", "quiet", "peaceful", "deep", "wide", "tall", "high", "huge", "small",
    "dark", "cold", "frozen", "sunny", "green", "blue", "wild", "famous", "distant",
    "rocky", "sandy", "calm", "lovely", "empty", "hidden", "old", "ancient",
    "shallow", "steep", "narrow", "muddy", "magnificent", "stunning",
)
NATURE_ATTRIBUTIVE = ("nearest", "nearby", "local", "little", "favorite")

STREET_FEATURES = (
    "traffic light", "corner", "street", "intersection", "roundabout", "crossing",
    "junction", "road", "set of lights",
)
# Adjectives that work in exclamations ("what a lovely view").
EXCLAMATION_ADJECTIVES = (
    "beautiful", "lovely", "wonderful", "strange", "busy", "quiet", "peaceful",
    "ugly", "huge", "tiny", "cozy", "magnificent", "stunning", "impressive",
    "crowded", "amazing", "noisy", "terrible", "charming", "gorgeous", "great",
)

CITIES = (
    "london", "paris", "berlin", "madrid", "rome", "tokyo", "chicago", "boston",
    "dallas", "denver", "seattle", "houston", "atlanta", "miami", "toronto",
    "sydney", "dublin", "vienna", "prague", "amsterdam", "new york", "moscow",
    "cairo", "lisbon", "athens", "oslo", "stockholm", "helsinki", "brussels",
    "geneva", "montreal", "vancouver", "melbourne", "manchester", "liverpool",
    "bristol", "oxford", "cambridge", "glasgow", "phoenix", "portland", "detroit",
    "nashville", "orlando", "las vegas", "washington", "philadelphia", "baltimore",
    "cleveland", "pittsburgh", "san francisco", "san diego", "new orleans",
    "singapore", "bangkok", "istanbul", "venice", "florence", "milan", "naples",
    "barcelona", "munich", "hamburg", "frankfurt", "copenhagen", "warsaw",
    "budapest", "ottawa", "calgary", "auckland", "cape town", "nairobi",
    "mexico city", "hong kong", "beijing", "shanghai", "delhi", "mumbai", "dubai",
    "brisbane", "perth", "leeds", "york", "memphis", "richmond", "sacramento",
    "honolulu", "anchorage", "salt lake city", "kansas city", "minneapolis",
)
COUNTRIES = (
    "france", "spain", "italy", "germany", "japan", "china", "india", "canada",
    "mexico", "brazil", "egypt", "greece", "ireland", "norway", "sweden", "finland",
    "denmark", "poland", "portugal", "austria", "russia", "england", "scotland",
    "wales", "australia", "new zealand", "argentina", "chile", "peru", "kenya",
    "morocco", "turkey", "belgium", "switzerland", "iceland", "thailand", "vietnam",
    "korea", "america", "hungary", "croatia", "nigeria", "ghana", "cuba", "jamaica",
    "colombia", "holland", "south africa", "indonesia", "malaysia", "israel",
    "pakistan", "nepal", "ukraine", "romania", "bulgaria", "estonia", "slovakia",
)
LANGUAGES = (
    "english", "french", "spanish", "german", "italian", "chinese", "japanese",
    "russian", "arabic", "portuguese", "korean", "greek", "dutch", "polish",
    "swedish", "turkish", "hindi",
)

# --- reading, media, events, ideas ----------------------------------------------

DOCUMENTS = (
    "letter", "book", "report", "email", "message", "article", "story", "poem",
    "note", "list", "recipe", "form", "essay", "menu", "newspaper", "magazine",
    "novel", "card", "postcard", "contract", "receipt", "document", "page",
    "chapter", "speech", "review", "song", "script", "joke", "manual", "schedule",
    "proposal", "application", "question", "answer", "paragraph", "sentence",
    "headline", "comment", "invitation", "summary", "presentation", "textbook",
    "dictionary", "guidebook", "cookbook", "biography", "comic book", "bill",
    "shopping list", "birthday card", "text message", "thank you note",
)
DOCUMENT_ADJECTIVES = (
    "long", "short", "boring", "interesting", "funny", "sad", "important", "urgent",
    "old", "new", "strange", "beautiful", "simple", "difficult", "easy", "clear",
    "detailed", "original", "handwritten", "brief", "private", "secret", "famous",
    "popular", "wonderful", "terrible", "perfect", "confusing", "excellent",
    "useful", "lovely", "silly", "serious", "exciting",
)
DOCUMENT_ATTRIBUTIVE = ("final", "first", "last", "next", "whole", "weekly", "monthly", "annual", "latest")

MEDIA = (
    "movie", "film", "show", "game", "match", "concert", "play", "series",
    "documentary", "video", "cartoon", "episode", "performance", "opera", "musical",
    "ballet", "comedy", "drama", "thriller", "program", "parade", "race",
    "competition", "tournament", "lecture", "interview", "exhibition", "festival",
    "talent show", "quiz show", "soap opera", "horror movie", "news program",
)
MEDIA_ADJECTIVES = (
    "funny", "boring", "long", "short", "scary", "popular", "new", "old",
    "exciting", "sad", "strange", "wonderful", "terrible", "amazing", "famous",
    "romantic", "silly", "awful", "brilliant", "great", "good", "bad",
    "interesting", "free", "dull", "clever", "fantastic", "disappointing",
    "moving", "surprising", "entertaining", "violent",
)
MEDIA_ATTRIBUTIVE = ("live", "classic", "latest", "whole", "final", "next", "last", "favorite")

EVENTS = (
    "party", "wedding", "meeting", "appointment", "interview", "exam", "test",
    "trip", "holiday", "vacation", "class", "lesson", "picnic", "dinner",
    "birthday party", "barbecue", "conference", "ceremony", "festival", "match",
    "race", "rehearsal", "workshop", "tour", "celebration", "reunion",
    "graduation", "job interview", "dinner party", "training session",
    "school trip", "football match", "concert", "parade", "sale",
)
EVENT_ADJECTIVES = (
    "big", "small", "long", "short", "boring", "fun", "great", "wonderful",
    "important", "difficult", "easy", "exciting", "surprise", "formal", "quiet",
    "noisy", "terrible", "lovely", "successful", "expensive", "strange", "busy",
)
EVENT_ATTRIBUTIVE = ("next", "last", "first", "final", "annual", "weekly", "monthly", "early", "late", "family")

IDEAS = (
    "idea", "plan", "problem", "question", "decision", "mistake", "reason",
    "solution", "suggestion", "opinion", "proposal", "story", "rule", "choice",
    "change", "answer", "joke", "secret", "rumor", "theory", "promise", "dream",
    "goal", "wish", "excuse", "request", "complaint", "result", "offer", "method",
    "argument", "explanation", "budget", "price", "deal", "project", "message",
)
IDEA_ADJECTIVES = (
    "good", "bad", "great", "important", "new", "simple", "difficult", "easy",
    "strange", "interesting", "clever", "silly", "terrible", "wonderful", "perfect",
    "big", "small", "serious", "huge", "real", "different", "obvious", "smart",
    "brilliant", "risky", "expensive", "useful", "exciting", "boring", "surprising",
    "unusual", "funny", "sad", "awful", "amazing", "excellent", "unexpected",
    "reasonable", "fair", "crazy", "honest", "practical", "stupid",
)
IDEA_ATTRIBUTIVE = ("main", "only", "whole", "final", "original", "latest", "new")

SUBJECTS = (
    "math", "history", "science", "music", "art", "geography", "biology",
    "chemistry", "physics", "english", "french", "spanish", "german", "economics",
    "literature", "philosophy", "psychology", "medicine", "law", "engineering",
    "computer science", "drama", "mathematics", "architecture", "business",
)
SPORTS = (
    "tennis", "football", "soccer", "basketball", "baseball", "golf", "hockey",
    "volleyball", "rugby", "cricket", "badminton", "table tennis", "chess",
    "darts", "checkers", "ice hockey", "squash", "water polo",
)
OUTDOOR_ACTIVITIES = (
    "swimming", "running", "cycling", "skiing", "sailing", "surfing", "climbing",
    "fishing", "hiking", "camping", "dancing", "skating", "jogging", "bowling",
    "shopping", "horse riding", "rowing", "snowboarding", "diving", "walking",
)
NATURE_ACTIVITIES = (
    "hiking", "camping", "fishing", "skiing", "swimming", "climbing", "cycling",
    "walking", "running", "sailing", "canoeing", "bird watching",
)
HOBBY_LESSONS = (
    "photography", "painting", "dancing", "cooking", "singing", "piano", "guitar",
    "swimming", "driving", "drawing", "pottery", "yoga", "karate", "tennis",
    "french", "spanish", "art", "music", "ballet", "boxing",
)
PLAYERS = (
    "player", "swimmer", "runner", "singer", "dancer", "painter", "cook", "driver",
    "writer", "student", "teacher", "skier", "climber", "cyclist", "goalkeeper",
)
MUSIC_GENRES = (
    "jazz", "rock", "pop", "classical", "country", "blues", "folk", "reggae",
    "dance", "piano", "relaxing", "soft", "loud", "happy", "old", "christmas",
    "hip hop", "gospel", "latin", "disco", "soul", "party", "background",
)

# --- weather and time ---------------------------------------------------------

WEATHER_ADJECTIVES = (
    "sunny", "cloudy", "rainy", "windy", "foggy", "snowy", "stormy", "cold", "hot",
    "warm", "cool", "chilly", "freezing", "humid", "dry", "wet", "mild", "clear",
    "gray", "icy", "pleasant", "beautiful", "lovely", "terrible", "miserable",
    "bright", "misty", "breezy", "boiling", "gloomy",
)
WEATHER_MASS = (
    "rain", "snow", "wind", "fog", "sunshine", "thunder", "lightning", "hail",
    "frost", "heat", "ice", "drizzle", "sleet", "mist",
)
WEATHER_EVENTS = (
    "storm", "thunderstorm", "heat wave", "blizzard", "hurricane", "tornado",
    "flood", "snowstorm", "hailstorm", "sandstorm",
)
WEATHER_EVENT_ADJECTIVES = ("big", "huge", "strong", "heavy", "terrible", "sudden", "short", "violent")
DIRECTIONS = ("north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest")

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAYS_PLURAL = tuple(day + "s" for day in WEEKDAYS)
MONTHS = (
    "january", "february", "march", "april", "may", "june", "july", "august",
    "september", "october", "november", "december",
)
MONTHS_WITH_31_DAYS = ("january", "march", "may", "july", "august", "october", "december")
MONTHS_WITH_30_DAYS = ("april", "june", "september", "november")
SEASONS = ("spring", "summer", "autumn", "fall", "winter")
DAY_PERIODS = ("morning", "afternoon", "evening")
HOLIDAYS = (
    "christmas", "new year's eve", "new year's day", "easter", "thanksgiving",
    "halloween", "valentine's day", "my birthday", "the weekend", "the holidays",
)

# --- adverbs ----------------------------------------------------------------------

ADVERBS_MANNER = (
    "quickly", "slowly", "carefully", "quietly", "loudly", "happily", "sadly",
    "gently", "easily", "badly", "well", "politely", "patiently", "nervously",
    "calmly", "angrily", "eagerly", "proudly", "secretly", "completely",
    "perfectly", "properly", "safely", "neatly", "bravely", "kindly", "softly",
    "smoothly", "silently", "cheerfully", "together", "alone", "again", "twice",
    "immediately", "anxiously", "clumsily", "efficiently", "correctly", "briefly",
    "warmly", "firmly", "lightly", "gracefully", "thoroughly",
    "reluctantly", "willingly", "on purpose", "by mistake", "in silence",
    "without a word", "with a smile", "in a hurry", "for fun", "by accident",
)
ADVERBS_FREQUENCY = (
    "always", "usually", "often", "sometimes", "rarely", "never", "seldom",
    "occasionally", "normally", "generally", "hardly ever", "almost always",
)
ADVERBS_DEGREE = (
    "very", "really", "quite", "extremely", "rather", "pretty", "incredibly",
    "fairly", "surprisingly", "unusually", "remarkably", "slightly", "truly",
    "terribly", "awfully",
)
ADVERBS_SENTENCE = (
    "suddenly", "luckily", "unfortunately", "finally", "actually", "honestly",
    "apparently", "hopefully", "surprisingly", "meanwhile", "later", "then",
    "afterwards", "eventually", "fortunately", "obviously", "clearly", "sadly",
    "strangely", "of course", "in fact", "at first", "by the way", "basically",
    "naturally", "to be honest", "in the end", "at last", "as usual", "once again",
    "without warning", "for some reason", "believe it or not", "just in time",
)
COMPARATIVES = (
    "bigger", "smaller", "older", "newer", "cheaper", "faster", "slower", "taller",
    "shorter", "longer", "warmer", "colder", "better", "worse", "easier", "harder",
    "happier", "quieter", "louder", "cleaner", "heavier", "lighter", "darker",
    "brighter", "younger", "stronger", "safer", "busier", "nicer", "prettier",
    "simpler", "funnier", "sweeter", "larger", "wider", "deeper", "higher",
    "more expensive", "more comfortable", "more interesting", "more beautiful",
    "more useful", "more popular", "more difficult", "more important",
)
SUPERLATIVES = (
    "best", "worst", "biggest", "smallest", "oldest", "newest", "cheapest",
    "fastest", "tallest", "longest", "busiest", "quietest", "nicest", "strangest",
    "prettiest", "funniest", "most beautiful", "most expensive", "most famous",
    "most popular", "most interesting", "most comfortable", "most delicious",
)

# --- verbs ------------------------------------------------------------------------
# Every verb written out as "base third-person past present-participle
# past-participle", because spelling rules for doubling and irregular forms are
# too easy to get wrong.  Group lists below name only the base form; "wait+for"
# marks a verb followed by its particle.

VERB_FORMS = (
    "accept accepts accepted accepting accepted",
    "add adds added adding added",
    "admire admires admired admiring admired",
    "adopt adopts adopted adopting adopted",
    "agree agrees agreed agreeing agreed",
    "announce announces announced announcing announced",
    "answer answers answered answering answered",
    "argue argues argued arguing argued",
    "arrange arranges arranged arranging arranged",
    "arrive arrives arrived arriving arrived",
    "ask asks asked asking asked",
    "attend attends attended attending attended",
    "bake bakes baked baking baked",
    "begin begins began beginning begun",
    "believe believes believed believing believed",
    "blame blames blamed blaming blamed",
    "board boards boarded boarding boarded",
    "boil boils boiled boiling boiled",
    "book books booked booking booked",
    "borrow borrows borrowed borrowing borrowed",
    "break breaks broke breaking broken",
    "bring brings brought bringing brought",
    "brush brushes brushed brushing brushed",
    "build builds built building built",
    "buy buys bought buying bought",
    "call calls called calling called",
    "calm calms calmed calming calmed",
    "camp camps camped camping camped",
    "cancel cancels canceled canceling canceled",
    "carry carries carried carrying carried",
    "catch catches caught catching caught",
    "change changes changed changing changed",
    "charge charges charged charging charged",
    "chase chases chased chasing chased",
    "check checks checked checking checked",
    "cheer cheers cheered cheering cheered",
    "choose chooses chose choosing chosen",
    "chop chops chopped chopping chopped",
    "clap claps clapped clapping clapped",
    "clean cleans cleaned cleaning cleaned",
    "climb climbs climbed climbing climbed",
    "close closes closed closing closed",
    "collect collects collected collecting collected",
    "come comes came coming come",
    "comfort comforts comforted comforting comforted",
    "complain complains complained complaining complained",
    "congratulate congratulates congratulated congratulating congratulated",
    "consider considers considered considering considered",
    "contact contacts contacted contacting contacted",
    "cook cooks cooked cooking cooked",
    "copy copies copied copying copied",
    "correct corrects corrected correcting corrected",
    "cough coughs coughed coughing coughed",
    "count counts counted counting counted",
    "cry cries cried crying cried",
    "cut cuts cut cutting cut",
    "dance dances danced dancing danced",
    "decide decides decided deciding decided",
    "decorate decorates decorated decorating decorated",
    "delete deletes deleted deleting deleted",
    "deliver delivers delivered delivering delivered",
    "describe describes described describing described",
    "design designs designed designing designed",
    "discuss discusses discussed discussing discussed",
    "download downloads downloaded downloading downloaded",
    "draw draws drew drawing drawn",
    "drink drinks drank drinking drunk",
    "drive drives drove driving driven",
    "drop drops dropped dropping dropped",
    "dry dries dried drying dried",
    "eat eats ate eating eaten",
    "edit edits edited editing edited",
    "email emails emailed emailing emailed",
    "empty empties emptied emptying emptied",
    "encourage encourages encouraged encouraging encouraged",
    "enjoy enjoys enjoyed enjoying enjoyed",
    "enter enters entered entering entered",
    "exercise exercises exercised exercising exercised",
    "expect expects expected expecting expected",
    "explain explains explained explaining explained",
    "explore explores explored exploring explored",
    "fall falls fell falling fallen",
    "feed feeds fed feeding fed",
    "fill fills filled filling filled",
    "film films filmed filming filmed",
    "find finds found finding found",
    "finish finishes finished finishing finished",
    "fish fishes fished fishing fished",
    "fix fixes fixed fixing fixed",
    "fold folds folded folding folded",
    "follow follows followed following followed",
    "forget forgets forgot forgetting forgotten",
    "forgive forgives forgave forgiving forgiven",
    "forward forwards forwarded forwarding forwarded",
    "freeze freezes froze freezing frozen",
    "fry fries fried frying fried",
    "get gets got getting gotten",
    "giggle giggles giggled giggling giggled",
    "give gives gave giving given",
    "go goes went going gone",
    "greet greets greeted greeting greeted",
    "grill grills grilled grilling grilled",
    "grow grows grew growing grown",
    "hand hands handed handing handed",
    "hang hangs hung hanging hung",
    "hate hates hated hating hated",
    "hear hears heard hearing heard",
    "heat heats heated heating heated",
    "help helps helped helping helped",
    "hide hides hid hiding hidden",
    "hike hikes hiked hiking hiked",
    "hire hires hired hiring hired",
    "hold holds held holding held",
    "hope hopes hoped hoping hoped",
    "hug hugs hugged hugging hugged",
    "hurry hurries hurried hurrying hurried",
    "ignore ignores ignored ignoring ignored",
    "imagine imagines imagined imagining imagined",
    "inspect inspects inspected inspecting inspected",
    "install installs installed installing installed",
    "interview interviews interviewed interviewing interviewed",
    "invite invites invited inviting invited",
    "iron irons ironed ironing ironed",
    "join joins joined joining joined",
    "jump jumps jumped jumping jumped",
    "keep keeps kept keeping kept",
    "kick kicks kicked kicking kicked",
    "knit knits knitted knitting knitted",
    "knock knocks knocked knocking knocked",
    "label labels labeled labeling labeled",
    "laugh laughs laughed laughing laughed",
    "learn learns learned learning learned",
    "leave leaves left leaving left",
    "lend lends lent lending lent",
    "lift lifts lifted lifting lifted",
    "like likes liked liking liked",
    "listen listens listened listening listened",
    "lock locks locked locking locked",
    "look looks looked looking looked",
    "lose loses lost losing lost",
    "love loves loved loving loved",
    "mail mails mailed mailing mailed",
    "make makes made making made",
    "manage manages managed managing managed",
    "measure measures measured measuring measured",
    "meet meets met meeting met",
    "memorize memorizes memorized memorizing memorized",
    "mention mentions mentioned mentioning mentioned",
    "miss misses missed missing missed",
    "move moves moved moving moved",
    "need needs needed needing needed",
    "nod nods nodded nodding nodded",
    "notice notices noticed noticing noticed",
    "offer offers offered offering offered",
    "open opens opened opening opened",
    "order orders ordered ordering ordered",
    "organize organizes organized organizing organized",
    "pack packs packed packing packed",
    "paint paints painted painting painted",
    "park parks parked parking parked",
    "pass passes passed passing passed",
    "pause pauses paused pausing paused",
    "pay pays paid paying paid",
    "peel peels peeled peeling peeled",
    "pet pets petted petting petted",
    "phone phones phoned phoning phoned",
    "photograph photographs photographed photographing photographed",
    "pick picks picked picking picked",
    "plan plans planned planning planned",
    "plant plants planted planting planted",
    "play plays played playing played",
    "plug plugs plugged plugging plugged",
    "polish polishes polished polishing polished",
    "postpone postpones postponed postponing postponed",
    "pour pours poured pouring poured",
    "practice practices practiced practicing practiced",
    "pray prays prayed praying prayed",
    "prefer prefers preferred preferring preferred",
    "prepare prepares prepared preparing prepared",
    "print prints printed printing printed",
    "promise promises promised promising promised",
    "protect protects protected protecting protected",
    "publish publishes published publishing published",
    "push pushes pushed pushing pushed",
    "put puts put putting put",
    "reach reaches reached reaching reached",
    "read reads read reading read",
    "receive receives received receiving received",
    "recognize recognizes recognized recognizing recognized",
    "recommend recommends recommended recommending recommended",
    "record records recorded recording recorded",
    "recycle recycles recycled recycling recycled",
    "refuse refuses refused refusing refused",
    "relax relaxes relaxed relaxing relaxed",
    "remember remembers remembered remembering remembered",
    "rent rents rented renting rented",
    "repair repairs repaired repairing repaired",
    "repeat repeats repeated repeating repeated",
    "replace replaces replaced replacing replaced",
    "rescue rescues rescued rescuing rescued",
    "rest rests rested resting rested",
    "return returns returned returning returned",
    "review reviews reviewed reviewing reviewed",
    "ride rides rode riding ridden",
    "roast roasts roasted roasting roasted",
    "run runs ran running run",
    "sail sails sailed sailing sailed",
    "save saves saved saving saved",
    "scan scans scanned scanning scanned",
    "scare scares scared scaring scared",
    "scream screams screamed screaming screamed",
    "search searches searched searching searched",
    "see sees saw seeing seen",
    "sell sells sold selling sold",
    "send sends sent sending sent",
    "serve serves served serving served",
    "sew sews sewed sewing sewn",
    "shake shakes shook shaking shaken",
    "share shares shared sharing shared",
    "shiver shivers shivered shivering shivered",
    "shout shouts shouted shouting shouted",
    "show shows showed showing shown",
    "sigh sighs sighed sighing sighed",
    "sign signs signed signing signed",
    "sing sings sang singing sung",
    "sit sits sat sitting sat",
    "skate skates skated skating skated",
    "ski skis skied skiing skied",
    "skip skips skipped skipping skipped",
    "sleep sleeps slept sleeping slept",
    "slice slices sliced slicing sliced",
    "smell smells smelled smelling smelled",
    "smile smiles smiled smiling smiled",
    "sneeze sneezes sneezed sneezing sneezed",
    "snore snores snored snoring snored",
    "solve solves solved solving solved",
    "sort sorts sorted sorting sorted",
    "speak speaks spoke speaking spoken",
    "spill spills spilled spilling spilled",
    "spot spots spotted spotting spotted",
    "stand stands stood standing stood",
    "start starts started starting started",
    "stop stops stopped stopping stopped",
    "stay stays stayed staying stayed",
    "steal steals stole stealing stolen",
    "stir stirs stirred stirring stirred",
    "stretch stretches stretched stretching stretched",
    "study studies studied studying studied",
    "submit submits submitted submitting submitted",
    "suggest suggests suggested suggesting suggested",
    "support supports supported supporting supported",
    "surprise surprises surprised surprising surprised",
    "swim swims swam swimming swum",
    "switch switches switched switching switched",
    "take takes took taking taken",
    "talk talks talked talking talked",
    "taste tastes tasted tasting tasted",
    "teach teaches taught teaching taught",
    "test tests tested testing tested",
    "text texts texted texting texted",
    "thank thanks thanked thanking thanked",
    "think thinks thought thinking thought",
    "throw throws threw throwing thrown",
    "tidy tidies tidied tidying tidied",
    "touch touches touched touching touched",
    "train trains trained training trained",
    "translate translates translated translating translated",
    "travel travels traveled traveling traveled",
    "trust trusts trusted trusting trusted",
    "try tries tried trying tried",
    "turn turns turned turning turned",
    "type types typed typing typed",
    "understand understands understood understanding understood",
    "unpack unpacks unpacked unpacking unpacked",
    "unplug unplugs unplugged unplugging unplugged",
    "update updates updated updating updated",
    "use uses used using used",
    "visit visits visited visiting visited",
    "vote votes voted voting voted",
    "wait waits waited waiting waited",
    "wake wakes woke waking woken",
    "walk walks walked walking walked",
    "want wants wanted wanting wanted",
    "warm warms warmed warming warmed",
    "warn warns warned warning warned",
    "wash washes washed washing washed",
    "watch watches watched watching watched",
    "water waters watered watering watered",
    "wave waves waved waving waved",
    "wear wears wore wearing worn",
    "weigh weighs weighed weighing weighed",
    "welcome welcomes welcomed welcoming welcomed",
    "whisper whispers whispered whispering whispered",
    "whistle whistles whistled whistling whistled",
    "win wins won winning won",
    "work works worked working worked",
    "worry worries worried worrying worried",
    "wrap wraps wrapped wrapping wrapped",
    "write writes wrote writing written",
    "yawn yawns yawned yawning yawned",
    "yell yells yelled yelling yelled",
)

FOOD_VERBS = (
    "eat", "cook", "bake", "order", "taste", "buy", "share", "finish", "make",
    "prepare", "serve", "heat", "cut", "slice", "wash", "pack", "bring", "enjoy",
    "love", "like", "want", "need", "sell", "grow", "chop", "fry", "boil", "grill",
    "roast", "peel", "warm", "freeze", "drop", "smell", "try", "deliver", "carry",
    "hide", "save", "choose", "pick", "offer", "steal", "weigh", "look+for",
    "pick+up", "throw+away", "put+away",
)
DRINK_VERBS = (
    "drink", "order", "pour", "make", "buy", "spill", "share", "bring", "want",
    "need", "finish", "heat", "taste", "love", "like", "serve", "offer", "enjoy",
)
OBJECT_VERBS = (
    "buy", "find", "lose", "fix", "clean", "move", "carry", "drop", "break",
    "borrow", "lend", "sell", "bring", "hide", "paint", "wash", "check", "need",
    "want", "like", "keep", "replace", "repair", "hold", "use", "open", "close",
    "wrap", "return", "order", "choose", "pack", "unpack", "share", "throw",
    "polish", "touch", "steal", "empty", "fill", "decorate", "measure", "weigh",
    "shake", "sort", "label", "lift", "inspect", "test", "recycle", "search",
    "pick+up", "look+for", "look+at", "throw+away", "put+away", "hang+up",
)
DEVICE_VERBS = (
    "turn+on", "turn+off", "switch+on", "switch+off", "unplug", "plug+in", "fix",
    "repair", "buy", "sell", "replace", "clean", "check", "install", "use",
    "test", "move", "order", "return", "borrow",
)
CLOTHING_VERBS = (
    "wear", "buy", "wash", "iron", "fold", "lose", "find", "sew", "borrow", "choose",
    "pack", "like", "love", "hate", "return", "order", "design", "knit", "dry",
    "try+on", "put+on", "take+off", "hang+up", "look+for", "pick+up",
)
ROAD_VEHICLE_VERBS = (
    "drive", "park", "wash", "repair", "fix", "rent", "sell", "buy", "borrow",
    "paint", "clean", "check", "start", "stop", "push", "move", "lock", "test",
)
RIDE_VERBS = (
    "ride", "fix", "park", "lock", "sell", "buy", "borrow", "clean", "paint",
    "push", "repair", "rent",
)
TRANSPORT_VERBS = ("catch", "miss", "take", "board", "wait+for", "book", "leave")
PERSON_VERBS = (
    "visit", "call", "meet", "help", "thank", "invite", "ask", "follow", "miss",
    "remember", "forget", "trust", "hug", "greet", "teach", "surprise", "join",
    "find", "see", "phone", "email", "text", "pick+up", "wait+for", "look+for",
    "ignore", "interview", "hire", "warn", "welcome", "congratulate",
    "encourage", "recognize", "understand", "believe", "admire", "blame",
    "forgive", "wake+up", "cheer+up", "pay", "watch", "photograph", "hear",
    "contact", "rescue", "protect", "support", "comfort", "calm+down",
)
DOCUMENT_VERBS = (
    "read", "write", "print", "sign", "send", "finish", "open", "review", "edit",
    "translate", "copy", "lose", "find", "check", "correct", "share", "forward",
    "delete", "save", "receive", "prepare", "update", "publish", "submit", "scan",
    "type", "memorize", "mail", "start", "fold", "throw+away", "look+at",
    "look+for", "print+out",
)
MEDIA_VERBS = (
    "watch", "enjoy", "love", "hate", "record", "miss", "recommend", "review", "like",
    "see", "skip", "pause", "download", "film", "describe", "discuss", "remember",
    "forget", "organize", "cancel", "postpone",
)
EVENT_VERBS = (
    "plan", "organize", "attend", "cancel", "postpone", "miss", "enjoy", "remember",
    "forget", "arrange", "skip", "book", "leave", "join", "prepare+for",
    "talk+about", "look+forward+to",
)
IDEA_VERBS = (
    "discuss", "explain", "understand", "suggest", "mention", "accept", "ignore",
    "describe", "like", "love", "hate", "share", "remember", "forget", "consider",
    "repeat", "notice", "hear", "keep", "change", "support", "announce", "solve",
    "imagine", "believe", "think+about", "talk+about", "laugh+at", "agree+with",
)
ANIMAL_VERBS = (
    "feed", "watch", "chase", "pet", "wash", "adopt", "find", "follow", "catch",
    "photograph", "draw", "train", "see", "hear", "scare", "rescue", "love", "walk",
    "brush", "carry", "hold", "count", "spot", "film", "look+for", "look+after",
    "take+care+of",
)
PLANT_VERBS = (
    "water", "plant", "grow", "cut", "pick", "smell", "buy", "sell", "move",
    "carry", "admire", "photograph", "draw", "paint", "touch", "look+after",
)
PLACE_VERBS = (
    "visit", "leave", "explore", "clean", "paint", "build", "find", "enter", "love",
    "photograph", "decorate", "design", "describe", "reach", "search", "pass",
    "open", "close", "sell", "buy", "rent", "draw", "look+for",
)
NATURE_VERBS = (
    "visit", "explore", "photograph", "paint", "see", "love", "reach", "find",
    "admire", "draw", "describe", "remember", "film", "leave", "walk+to",
)
INTRANSITIVE_VERBS = (
    "sleep", "run", "walk", "swim", "laugh", "smile", "cry", "sing", "dance", "wait",
    "work", "study", "travel", "rest", "arrive", "leave", "shout", "whisper",
    "cough", "sneeze", "jump", "climb", "fall", "complain", "relax", "listen",
    "speak", "talk", "argue", "cook", "read", "write", "drive", "exercise",
    "stretch", "practice", "hurry", "vote", "win", "lose", "play", "paint", "draw",
    "fish", "hike", "sail", "camp", "ski", "skate", "snore", "yawn", "wake+up",
    "wave", "nod", "sit+down", "stand+up", "shiver", "whistle", "giggle", "scream",
    "yell", "clap", "cheer", "sigh", "stay", "return", "get+up", "come+home",
    "go+home", "eat", "think", "calm+down", "knock", "worry", "train", "pray",
)
# Verbs that take a to-infinitive: "she wants to visit rome".
INFINITIVE_VERBS_PRESENT = (
    "want", "need", "hope", "plan", "like", "love", "hate", "try", "prefer",
    "expect", "forget", "refuse", "promise", "learn",
)
INFINITIVE_VERBS_PAST = INFINITIVE_VERBS_PRESENT + (
    "decide", "manage", "agree", "offer", "remember", "start", "begin",
)
# Verbs that take an indirect object: "i gave my sister an old lamp".
DITRANSITIVE_VERBS = ("give", "send", "show", "lend", "bring", "buy", "offer", "sell", "hand", "pass", "find")
FOOD_GIVING_VERBS = ("make", "cook", "buy", "bring", "give", "offer", "order", "save", "bake", "pass")
# Cooking steps grouped by what can follow them ("chop ... finely", "boil ... until soft").
CUTTING_STEPS = ("chop", "slice", "dice", "cut", "grate", "shred")
HEATING_STEPS = ("boil", "fry", "roast", "grill", "steam", "bake", "cook", "simmer")
PREPARING_STEPS = ("peel", "wash", "rinse", "drain", "season", "mash", "serve", "dry")

# --- fixed phrases for the conversation family ---------------------------------

GREETINGS = ("good morning", "good afternoon", "good evening", "hello", "hi", "hey", "good night")
FAREWELLS = (
    "see you later", "see you soon", "see you tomorrow", "take care", "goodbye and good luck",
    "have a nice day", "have a good weekend", "have a safe trip", "bye for now",
    "talk to you later", "sleep well", "enjoy your meal",
)
SHORT_REPLIES = (
    "no problem at all", "thank you very much", "you're welcome", "i'm not sure",
    "that sounds great", "of course", "don't worry about it", "i agree with you",
    "that's a good question", "what do you mean", "could you repeat that please",
    "i didn't catch that", "never mind", "it doesn't matter", "i'm fine thanks",
    "that's very kind of you", "i don't think so", "yes please", "no thank you",
    "excuse me", "i beg your pardon", "how are you today", "what a surprise",
    "let me think about it", "i'll do my best", "good luck", "well done",
    "how was your day", "nice to see you again", "long time no see",
    "i couldn't agree more", "speak a little slower please", "what a shame",
    "it's a deal", "sounds good to me", "i'm so proud of you",
)
MESSAGES = (
    "i'll be late", "i'm on my way", "dinner is ready", "the meeting is canceled",
    "call me back", "happy birthday", "thank you", "i miss you", "good luck today",
    "the door is open", "i'm running late", "don't wait for me", "see you soon",
    "i'm outside", "i'll call you later", "i love you",
)


# ===========================================================================
# Numbers, years, dates and times in words
# ===========================================================================

ONES = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
    "seventeen", "eighteen", "nineteen",
)
TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
# Only the final word of a number changes in its ordinal: "twenty one" -> "twenty first".
_IRREGULAR_ORDINALS = {
    "one": "first", "two": "second", "three": "third", "five": "fifth",
    "eight": "eighth", "nine": "ninth", "twelve": "twelfth",
}
DECADES = ("twenties", "thirties", "forties", "fifties", "sixties", "seventies", "eighties", "nineties")


def _below_thousand(n: int) -> list[str]:
    words: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        words += [ONES[hundreds], "hundred"]
    if rest >= 20:
        tens, ones = divmod(rest, 10)
        words.append(TENS[tens])
        if ones:
            words.append(ONES[ones])
    elif rest or not words:
        words.append(ONES[rest])
    return words


def number_to_words(n: int) -> str:
    """Spell ``0 <= n < 1_000_000`` the American way, without "and".

    >>> number_to_words(105)
    'one hundred five'
    >>> number_to_words(2024)
    'two thousand twenty four'
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"number_to_words expects an int, got {type(n).__name__}")
    if not 0 <= n < 1_000_000:
        raise ValueError(f"number_to_words supports 0 <= n < 1000000, got {n}")
    thousands, rest = divmod(n, 1000)
    words: list[str] = []
    if thousands:
        words += _below_thousand(thousands) + ["thousand"]
    if rest or not words:
        words += _below_thousand(rest)
    return " ".join(words)


def ordinal_to_words(n: int) -> str:
    """Spell an ordinal, e.g. ``3 -> "third"``, ``21 -> "twenty first"``."""
    *head, last = number_to_words(n).split()
    if last in _IRREGULAR_ORDINALS:
        last = _IRREGULAR_ORDINALS[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return " ".join(head + [last])


def year_to_words(year: int) -> str:
    """Read a year the way people say it: 1999 -> "nineteen ninety nine".

    2000-2009 keep the "two thousand five" reading, other years ending in 01-09
    use "oh" ("nineteen oh five"), round centuries say "hundred" ("nineteen
    hundred") except whole millennia ("one thousand").
    """
    if not 1000 <= year <= 2099:
        raise ValueError(f"year_to_words supports 1000..2099, got {year}")
    if 2000 <= year <= 2009 or year % 1000 == 0:
        return number_to_words(year)
    century, rest = divmod(year, 100)
    head = number_to_words(century)
    if rest == 0:
        return f"{head} hundred"
    if rest < 10:
        return f"{head} oh {ONES[rest]}"
    return f"{head} {number_to_words(rest)}"


def _numbers(lo: int, hi: int, step: int = 1) -> tuple[str, ...]:
    return tuple(number_to_words(i) for i in range(lo, hi + 1, step))


def _ordinals(lo: int, hi: int) -> tuple[str, ...]:
    return tuple(ordinal_to_words(i) for i in range(lo, hi + 1))


# Derived word lists; the grammar below only ever reads these tuples.
DIGITS = _numbers(0, 9)
HOURS = _numbers(1, 12)
ORDINALS_TO_31 = _ordinals(1, 31)
YEARS_MODERN = tuple(year_to_words(y) for y in range(1950, 2031))
YEARS_PAST = tuple(year_to_words(y) for y in range(1950, 2024))
YEARS_FUTURE = tuple(year_to_words(y) for y in range(2025, 2041))
YEARS_HISTORIC = tuple(year_to_words(y) for y in range(1500, 1950))
OVEN_TEMPERATURES = _numbers(150, 250, 10) + _numbers(300, 475, 25)
NUMBER_RANGES = {
    "num_0_10": _numbers(0, 10),
    "num_1_9": _numbers(1, 9),
    "num_1_20": _numbers(1, 20),
    "num_2_5": _numbers(2, 5),
    "num_2_9": _numbers(2, 9),
    "num_2_10": _numbers(2, 10),
    "num_2_12": _numbers(2, 12),
    "num_2_20": _numbers(2, 20),
    "num_2_30": _numbers(2, 30),
    "num_2_59": _numbers(2, 59),
    "num_2_99": _numbers(2, 99),
    "num_2_999": _numbers(2, 999),
    "num_1_999": _numbers(1, 999),
    "num_3_10": _numbers(3, 10),
    "num_5_30": _numbers(5, 30),
    "num_5_90": _numbers(5, 90),
    "num_10_59": _numbers(10, 59),
    "num_10_90_by_10": _numbers(10, 90, 10),
    "num_15_30": _numbers(15, 30),
    "num_0_40": _numbers(0, 40),
    "num_100_900_by_50": _numbers(100, 900, 50),
}


# ===========================================================================
# Grammar: noun phrases, verb phrases and shared building blocks
# ===========================================================================

_IRREGULAR_PLURALS = {
    "man": "men", "woman": "women", "child": "children", "person": "people",
    "foot": "feet", "tooth": "teeth", "mouse": "mice", "goose": "geese",
    "sheep": "sheep", "deer": "deer", "fish": "fish", "goldfish": "goldfish",
    "series": "series", "knife": "knives", "wife": "wives", "leaf": "leaves",
    "shelf": "shelves", "wolf": "wolves", "scarf": "scarves", "calf": "calves",
    "loaf": "loaves", "half": "halves", "potato": "potatoes", "tomato": "tomatoes",
    "hero": "heroes", "volcano": "volcanoes", "mosquito": "mosquitoes",
    "mango": "mangoes", "fisherman": "fishermen", "postman": "postmen",
    "salesman": "salesmen", "gentleman": "gentlemen", "stomach": "stomachs",
    "grandchild": "grandchildren", "cactus": "cactuses", "tornado": "tornadoes",
    "octopus": "octopuses", "midwife": "midwives",
}


def _plural(noun: str) -> str:
    """Plural of a (possibly multi-word) noun; only the last word changes."""
    head, _, last = noun.rpartition(" ")
    if last in _IRREGULAR_PLURALS:
        last = _IRREGULAR_PLURALS[last]
    elif last.endswith(("s", "x", "z", "ch", "sh")):
        last += "es"
    elif last.endswith("y") and last[-2] not in "aeiou":
        last = last[:-1] + "ies"
    else:
        last += "s"
    return f"{head} {last}" if head else last


class _NounCategory(NamedTuple):
    name: str
    singulars: tuple[str, ...]
    adjectives: tuple[str, ...]  # fine both before a noun and after "is"
    attributive: tuple[str, ...] = ()  # only before a noun ("my favorite cup")
    plural_source: tuple[str, ...] | None = None  # nouns used in the plural, default singulars
    plural_only: tuple[str, ...] = ()  # "jeans", "scissors"


NOUN_CATEGORIES = (
    _NounCategory("person", PEOPLE, PERSON_ADJECTIVES, PERSON_ATTRIBUTIVE),
    _NounCategory("relative", RELATIVES, PERSON_ADJECTIVES, PERSON_ATTRIBUTIVE, RELATIVES_IN_PLURAL),
    _NounCategory("social", SOCIAL_ROLES, PERSON_ADJECTIVES, PERSON_ATTRIBUTIVE),
    _NounCategory("occupation", OCCUPATIONS, PERSON_ADJECTIVES, PERSON_ATTRIBUTIVE),
    _NounCategory("animal", ANIMALS, ANIMAL_ADJECTIVES, ANIMAL_ATTRIBUTIVE),
    _NounCategory("plant", PLANTS, PLANT_ADJECTIVES, PLANT_ATTRIBUTIVE),
    _NounCategory("fruit", FRUITS, FRUIT_ADJECTIVES),
    _NounCategory("vegetable", VEGETABLES, VEGETABLE_ADJECTIVES, VEGETABLE_ATTRIBUTIVE),
    _NounCategory("dish", DISHES, DISH_ADJECTIVES, DISH_ATTRIBUTIVE, None, FOOD_PLURAL_ONLY),
    _NounCategory("object", HOUSEHOLD_OBJECTS, OBJECT_ADJECTIVES, OBJECT_ATTRIBUTIVE, None, OBJECT_PLURAL_ONLY),
    _NounCategory("furniture", FURNITURE, FURNITURE_ADJECTIVES),
    _NounCategory("container", CONTAINERS, OBJECT_ADJECTIVES, OBJECT_ATTRIBUTIVE),
    _NounCategory("device", DEVICES, DEVICE_ADJECTIVES, DEVICE_ATTRIBUTIVE),
    _NounCategory("clothing", CLOTHING, CLOTHING_ADJECTIVES, CLOTHING_ATTRIBUTIVE, None, CLOTHING_PLURAL_ONLY),
    _NounCategory("instrument", INSTRUMENTS, OBJECT_ADJECTIVES, OBJECT_ATTRIBUTIVE),
    _NounCategory("body", BODY_PARTS, BODY_ADJECTIVES, (), BODY_PARTS_IN_PLURAL),
    _NounCategory("vehicle", ROAD_VEHICLES, VEHICLE_ADJECTIVES, VEHICLE_ATTRIBUTIVE),
    _NounCategory("bike", RIDEABLE_VEHICLES, VEHICLE_ADJECTIVES, VEHICLE_ATTRIBUTIVE),
    _NounCategory("transport", TRANSPORT, TRANSPORT_ADJECTIVES, TRANSPORT_ATTRIBUTIVE),
    _NounCategory("place", TOWN_PLACES, PLACE_ADJECTIVES, PLACE_ATTRIBUTIVE),
    _NounCategory("shop", SHOPS, PLACE_ADJECTIVES, PLACE_ATTRIBUTIVE),
    _NounCategory("room", ROOMS, ROOM_ADJECTIVES),
    _NounCategory("nature", NATURE_PLACES, NATURE_ADJECTIVES, NATURE_ATTRIBUTIVE),
    _NounCategory("document", DOCUMENTS, DOCUMENT_ADJECTIVES, DOCUMENT_ATTRIBUTIVE),
    _NounCategory("media", MEDIA, MEDIA_ADJECTIVES, MEDIA_ATTRIBUTIVE),
    _NounCategory("event", EVENTS, EVENT_ADJECTIVES, EVENT_ATTRIBUTIVE),
    _NounCategory("idea", IDEAS, IDEA_ADJECTIVES, IDEA_ATTRIBUTIVE),
    _NounCategory("weather_event", WEATHER_EVENTS, WEATHER_EVENT_ADJECTIVES),
    _NounCategory("street_feature", STREET_FEATURES, ("next", "first", "second", "third", "big", "busy")),
)

# "X" stands for the category name.  Weights favour short phrases so that most
# sentences stay in the 4-16 word range.
NOUN_PHRASE_PATTERNS = {
    "X_np_sg": (
        ("a {X_sg}", 3), ("a {X_attr} {X_sg}", 3), ("the {X_sg}", 3),
        ("the {X_attr} {X_sg}", 2), ("{poss} {X_sg}", 2), ("{poss} {X_attr} {X_sg}", 2),
        ("{demo_sg} {X_sg}", 1), ("a {adv_degree_attr} {X_adj} {X_sg}", 0.5),
        ("another {X_sg}", 0.5), ("one of the {X_pl}", 0.3),
    ),
    "X_np_pl": (
        ("the {X_pl}", 3), ("the {X_attr} {X_pl}", 2), ("some {X_pl}", 2),
        ("some {X_attr} {X_pl}", 1), ("{count} {X_pl}", 2), ("{count} {X_attr} {X_pl}", 1),
        ("{poss} {X_pl}", 2), ("{poss} {X_attr} {X_pl}", 1), ("{demo_pl} {X_pl}", 1),
        ("{X_attr} {X_pl}", 1), ("all the {X_pl}", 0.5),
    ),
    "X_np": (("{X_np_sg}", 1), ("{X_np_pl}", 1)),
    "X_the_sg": (
        ("the {X_sg}", 4), ("the {X_attr} {X_sg}", 2), ("{poss} {X_sg}", 2),
        ("{demo_sg} {X_sg}", 1), ("{poss} {X_attr} {X_sg}", 1),
    ),
    "X_the_pl": (
        ("the {X_pl}", 4), ("the {X_attr} {X_pl}", 2), ("{poss} {X_pl}", 2), ("{demo_pl} {X_pl}", 1),
    ),
    "X_a_sg": (("a {X_sg}", 2), ("a {X_attr} {X_sg}", 2)),
}


class _VerbGroup(NamedTuple):
    name: str
    verbs: tuple[str, ...]
    object_rule: str | None  # None for intransitive verbs
    modifier_rule: str
    weight: float


VERB_GROUPS = (
    _VerbGroup("food", FOOD_VERBS, "food_np", "mod_food", 3),
    _VerbGroup("drink", DRINK_VERBS, "drink_np", "mod_food", 1),
    _VerbGroup("object", OBJECT_VERBS, "object_np", "mod_object", 3),
    _VerbGroup("device", DEVICE_VERBS, "device_np", "mod_object", 1),
    _VerbGroup("clothing", CLOTHING_VERBS, "clothing_np", "mod_clothing", 2),
    _VerbGroup("vehicle", ROAD_VEHICLE_VERBS, "vehicle_np_sg", "mod_vehicle", 1),
    _VerbGroup("bike", RIDE_VERBS, "bike_np_sg", "mod_vehicle", 0.5),
    _VerbGroup("transport", TRANSPORT_VERBS, "transport_the_sg", "mod_transport", 1),
    _VerbGroup("person", PERSON_VERBS, "obj_person", "mod_person", 3),
    _VerbGroup("document", DOCUMENT_VERBS, "document_np", "mod_document", 2),
    _VerbGroup("media", MEDIA_VERBS, "media_np", "mod_media", 1.5),
    _VerbGroup("event", EVENT_VERBS, "event_the_sg", "mod_event", 1.5),
    _VerbGroup("idea", IDEA_VERBS, "idea_the_sg", "mod_idea", 1.5),
    _VerbGroup("animal", ANIMAL_VERBS, "animal_np", "mod_animal", 1.5),
    _VerbGroup("plant", PLANT_VERBS, "plant_np", "mod_plant", 1),
    _VerbGroup("place", PLACE_VERBS, "place_the_sg", "mod_place", 1.5),
    _VerbGroup("nature", NATURE_VERBS, "nature_the_sg", "mod_nature", 1),
    _VerbGroup("intransitive", INTRANSITIVE_VERBS, None, "mod_intransitive", 4),
)
VERB_FORM_NAMES = ("base", "s", "past", "ing", "pp")

# Shared phrases.  Subject rules come in agreement classes: "subj3" takes
# "is"/"has"/"-s", "subjp" takes "are"/"have"/base form, "i" takes "am".
PHRASES: dict[str, tuple] = {
    # --- people ---
    "subj3": (
        ("he", 2), ("she", 2), ("{name}", 6), ("my {relative_sg}", 3), ("my {social_sg}", 2),
        ("the {occupation_sg}", 3), ("our {occupation_sg}", 1), ("the {person_attr} {person_sg}", 2),
        ("your {relative_sg}", 1), ("{name_poss} {relative_sg}", 1), ("my {person_attr} {social_sg}", 1),
        ("everyone", 0.4), ("someone", 0.4), ("the {person_sg} next door", 0.4),
        ("the {occupation_sg} from {city}", 0.4), ("a {person_adj} {occupation_sg}", 0.6),
        ("{poss} {relative_sg}", 1),
    ),
    "subjp": (
        ("we", 3), ("they", 3), ("you", 2), ("my {relative_pl}", 2), ("the {occupation_pl}", 2),
        ("{name} and {name}", 2), ("my {social_pl}", 1), ("the {person_attr} {person_pl}", 1),
        ("our {relative_pl}", 1), ("{name} and i", 1), ("my {relative_sg} and i", 1),
        ("the {person_pl}", 1), ("most {person_pl}", 0.3), ("both of us", 0.3), ("my parents", 0.5),
    ),
    "subjp_i": (("i", 2), ("{subjp}", 5)),
    "subj_any": (("i", 3), ("{subj3}", 5), ("{subjp}", 4)),
    "obj_person": (
        "him", "her", "them", ("{name}", 5), ("my {relative_sg}", 2),
        ("the {occupation_sg}", 2), ("my {social_pl}", 1), ("the {person_attr} {person_sg}", 1),
        ("{name_poss} {relative_sg}", 1), ("our {relative_pl}", 1), ("everyone", 0.4),
        ("my {person_attr} {social_sg}", 0.5), ("the {occupation_pl}", 1), ("{poss} {relative_sg}", 1),
    ),
    "female_pair": ("{female_name} is my {female_relative}", "{female_name} is {name_poss} {female_relative}"),
    "male_pair": ("{male_name} is my {male_relative}", "{male_name} is {name_poss} {male_relative}"),
    "poss": (("my", 3), ("your", 2), ("his", 1), ("her", 1), ("our", 2), ("their", 1), ("{name_poss}", 1)),
    "demo_sg": ("this", "that"),
    "demo_pl": ("these", "those"),
    "count": (("{num_2_12}", 5), ("a few", 1), ("several", 1), ("many", 0.5), ("lots of", 0.5), ("a couple of", 0.5)),
    "be_pres": (
        ("i am", 1), ("i'm", 2), ("{subj3} is", 5), ("{subjp} are", 4), ("he's", 1),
        ("she's", 1), ("we're", 1), ("they're", 1), ("you're", 1),
    ),
    "be_past": (("i was", 1), ("{subj3} was", 2), ("{subjp} were", 2)),
    "have_pres": (
        ("i have", 1), ("i've", 1), ("{subj3} has", 3), ("{subjp} have", 2), ("we've", 0.5), ("they've", 0.5),
        ("you've", 0.5),
    ),
    "be_going": (
        ("i am going", 1), ("i'm going", 2), ("{subj3} is going", 4), ("{subjp} are going", 3),
        ("we're going", 1), ("they're going", 1), ("he's going", 0.5), ("she's going", 0.5),
    ),
    "modal": ("can", "could", "should", "might", "must", "will", "would", "may"),
    "modal_neg": ("can't", "won't", "shouldn't", "couldn't", "wouldn't", "cannot"),
    "do_neg": (("{subj3} doesn't", 1), ("{subjp_i} don't", 1)),
    "perfect_adverb": ("", "", "already", "just", "never", "finally", "recently", "always"),
    # --- adverbs, time expressions ---
    "adv_degree_opt": (("", 4), ("{adv_degree}", 2), ("too", 1), ("so", 1), ("not very", 0.5), ("a bit", 0.5)),
    "adv_degree_attr": ("very", "really", "quite", "rather", "pretty", "extremely", "incredibly", "fairly"),
    "time_past": (
        "yesterday", "last night", "last week", "last month", "last year", "last {weekday}",
        "last {season}", "this morning", "earlier today", "the other day", "{num_2_10} days ago",
        "{num_2_10} weeks ago", "a few minutes ago", "an hour ago", "on {weekday}", "in {month}",
        "in {year_past}", "a long time ago", "yesterday afternoon", "yesterday morning",
        "last weekend", "just now", "over the weekend", "{num_2_10} years ago", "at {clock}",
        "on {date_dm}", "during the holidays", "after lunch", "before dinner", "at christmas",
    ),
    "time_future": (
        "tomorrow", "tomorrow morning", "tomorrow evening", "tonight", "next week",
        "next month", "next year", "next {weekday}", "next {season}", "later today",
        "this weekend", "this evening", "this afternoon", "soon", "in {num_2_10} minutes",
        "in {num_2_10} days", "in a few weeks", "on {weekday}", "in {month}",
        "the day after tomorrow", "after lunch", "before dinner", "at {clock}",
        "on {date_dm}", "on {weekday} morning", "by {weekday}", "before {clock}",
        "after school", "after work", "first thing tomorrow", "at the weekend",
    ),
    "time_habit": (
        "every day", "every morning", "every evening", "every night", "every week",
        "every {weekday}", "on {weekday_pl}", "on weekends", "in the morning", "at night",
        "twice a week", "once a month", "{num_3_10} times a week", "after work",
        "before breakfast", "in {season}", "during the week", "most days",
        "every {season}", "every other day", "from time to time", "at {clock}",
    ),
    "time_past_day": (
        "yesterday", "last night", "on {weekday}", "last {weekday}", "on {date_dm}",
        "the other day", "on christmas eve", "last weekend", "on new year's eve",
    ),
    "time_past_long": (
        "last year", "last {season}", "in {year_past}", "{num_2_10} years ago", "last month",
        "in {month}", "a few years ago", "when i was young", "in {month} {year_past}",
    ),
    "weather_when": (
        "tomorrow", "tonight", "this weekend", "next week", "later today", "on {weekday}",
        "this afternoon", "tomorrow morning", "overnight", "by the weekend", "this evening",
        "on {weekday} afternoon", "for the rest of the week", "over the next few days",
    ),
    "time_prog": (
        "right now", "at the moment", "today", "this week", "this afternoon", "these days", "again", "all day",
        "tonight", "this morning",
    ),
    "day_part": ("this morning", "today", "this afternoon", "tonight", "recently", "lately", "this week"),
    # --- modifiers of verb phrases, one set per verb group ---
    "mod_food": (
        "for dinner", "for lunch", "for breakfast", "for the party", "for {obj_person}",
        "with {obj_person}", "at home", "in the kitchen", "at the market", "every {weekday}",
        "for dessert", "at the {shop_sg}", "for the picnic", "after school",
    ),
    "mod_object": (
        "for {obj_person}", "with {obj_person}", "at home", "in the {room_sg}", "at the office",
        "after lunch", "before dinner", "for the first time", "again", "without asking",
        "at the {shop_sg}", "by mistake", "on the way home", "in {city}",
    ),
    "mod_clothing": (
        "for the party", "for the wedding", "for work", "for school", "at the {shop_sg}",
        "in the rain", "for {obj_person}", "again", "every {weekday}", "in {city}",
        "for the interview", "for the trip", "at the mall",
    ),
    "mod_vehicle": (
        "for {obj_person}", "in the rain", "after work", "on the weekend", "in the morning",
        "outside the {place_sg}", "near the {place_sg}", "again", "in {city}", "for a week",
        "behind the {place_sg}", "at night",
    ),
    "mod_transport": (
        "to {city}", "to work", "to the {place_sg}", "home", "in the morning", "at {clock}",
        "after work", "to school", "to the airport", "back home", "from {city}",
    ),
    "mod_person": (
        "in {city}", "at the {place_sg}", "after work", "after school", "again",
        "for the first time", "at the {event_sg}", "at home", "at the station",
        "near the {nature_sg}", "at the airport", "on {weekday}",
    ),
    "mod_document": (
        "for {obj_person}", "at work", "at the office", "before the meeting", "after lunch",
        "on the train", "in bed", "again", "in {language}", "for the first time",
        "at the library", "on my phone", "in the {room_sg}", "for school", "by hand",
    ),
    "mod_media": (
        "with {obj_person}", "at home", "on the train", "at the cinema", "at the theater",
        "on television", "again", "for the first time", "together", "in {city}",
        "on my laptop", "online",
    ),
    "mod_event": (
        "with {obj_person}", "in {city}", "for {obj_person}", "again", "at the last minute",
        "on {weekday}", "in {month}", "at the {place_sg}", "together",
    ),
    "mod_idea": (
        "at the meeting", "during lunch", "at dinner", "on the phone", "with {obj_person}",
        "at work", "in class", "in the car", "over coffee",
    ),
    "mod_animal": (
        "in the {nature_inside}", "in the garden", "at the zoo", "at the farm", "near the {nature_sg}",
        "in the park", "for {obj_person}", "again", "every morning", "in the {room_sg}",
        "on the way home", "in the snow",
    ),
    "mod_plant": (
        "in the garden", "on the balcony", "for {obj_person}", "in {season}", "every morning",
        "behind the house", "by the window", "in the backyard", "at the {shop_sg}",
    ),
    "mod_place": (
        "in {city}", "with {obj_person}", "for the first time", "again", "on {weekday}",
        "during the holidays", "after work", "in {season}", "together", "in {country}",
    ),
    "mod_nature": (
        "in {country}", "in {season}", "with {obj_person}", "for the first time",
        "from the {transport_sg}", "during the trip", "at sunset", "at sunrise", "again",
        "near {city}",
    ),
    "mod_intransitive": (
        "at home", "in the {room_sg}", "at the {place_sg}", "in the {nature_inside}",
        "with {obj_person}", "for {num_2_10} hours", "all day", "all night", "for a while",
        "outside", "together", "alone", "in the rain", "after dinner", "before breakfast",
        "again", "a lot", "for {num_2_59} minutes", "in {city}", "in the garden",
        "on the {transport_sg}", "at the party", "in the dark", "in silence",
    ),
    # --- food and drink ---
    "food_np": (
        ("{fruit_np}", 2), ("{vegetable_np}", 2), ("{dish_np}", 3), ("{food_mass_np}", 3),
        ("{food_unit_np}", 2),
    ),
    "food_pl": ("{fruit_pl}", "{vegetable_pl}", ("{dish_pl}", 2)),
    "food_mass": (("{food_staple}", 1), ("{food_piece}", 1), ("{food_spread}", 1), ("{food_other}", 1)),
    "food_mass_np": (
        ("some {food_mass}", 2), ("the {food_mass}", 2), ("{food_mass_adj} {food_mass}", 1),
        ("{poss} {food_mass}", 1), ("more {food_mass}", 0.5), ("the {food_mass_adj} {food_mass}", 1),
        ("a lot of {food_mass}", 0.5), ("a little {food_mass}", 0.5),
    ),
    "food_unit_np": (
        "a {grain_unit} of {food_staple}", "a {piece_unit} of {food_piece}",
        "a {spread_unit} of {food_spread}", "{num_2_5} {grain_unit_pl} of {food_staple}",
        "{num_2_5} {piece_unit_pl} of {food_piece}",
    ),
    "drink": (("{hot_drink}", 1), ("{cold_drink}", 2), ("{adult_drink}", 0.5)),
    "drink_np": (
        ("a {hot_drink_unit} of {hot_drink}", 2), ("a {cold_drink_unit} of {cold_drink}", 2),
        ("a glass of {adult_drink}", 1), ("a bottle of {adult_drink}", 0.5),
        ("some {drink}", 1), ("the {drink}", 1), ("{drink_adj} {drink}", 1), ("{poss} {drink}", 1),
        ("{num_2_5} {hot_drink_unit_pl} of {hot_drink}", 0.5), ("{num_2_5} glasses of {cold_drink}", 0.5),
    ),
    # --- places ---
    "place_name": (("{city}", 3), ("{country}", 2)),
    "clothing_color_np": ("{clothing_a_sg}", "a {color} {clothing_sg}"),
    # --- numbers, dates, times ---
    "big_number": (("{num_2_999} thousand", 1), ("{num_1_999} thousand {num_1_999}", 2)),
    "digit_spoken": (("{digit}", 12), ("oh", 1)),
    "digits_3": ("{digit} {digit} {digit}",),
    "digits_4": ("{digit_spoken} {digit_spoken} {digit_spoken} {digit_spoken}",),
    "digits_5": ("{digit_spoken} {digit_spoken} {digit_spoken} {digit_spoken} {digit_spoken}",),
    "digits_6": ("{digit} {digit} {digit} {digit} {digit} {digit}",),
    "digits_3_spoken": ("{digit_spoken} {digit_spoken} {digit_spoken}",),
    # Seven or ten digits, or the "five five five twelve thirty four" grouping.
    "phone_number": (
        ("{digits_3_spoken} {digits_4}", 2), ("{digits_3_spoken} {digits_3_spoken} {digits_4}", 1),
        ("{digits_3_spoken} {num_10_59} {num_10_59}", 1),
    ),
    "price": (
        ("{num_2_999} dollars", 3), ("one dollar", 0.3), ("{num_2_99} dollars and {num_2_99} cents", 3),
        ("one dollar and {num_2_99} cents", 0.5), ("{num_2_99} cents", 1), ("{num_2_999} euros", 2),
        ("{num_2_99} euros and {num_2_99} cents", 1), ("{num_2_999} pounds", 2),
        ("{num_2_99} pounds {num_10_59}", 1), ("{num_2_99} dollars {num_10_59}", 1),
        ("a hundred dollars", 0.3), ("{num_2_99} thousand dollars", 0.5), ("fifty cents", 0.2),
        ("{num_2_20} dollars a month", 0.2), ("half price", 0.2),
    ),
    "small_price": (
        ("{num_2_20} dollars", 2), ("{num_2_20} dollars and {num_2_99} cents", 2), ("{num_2_99} cents", 1),
        ("{num_2_20} euros", 1), ("{num_2_20} pounds {num_10_59}", 1),
    ),
    "year": (("{year_modern}", 3), ("{year_historic}", 1)),
    "year_before_now": (("{year_past}", 3), ("{year_historic}", 1)),
    "decade": (
        "the {decade_word}", "the nineteen {decade_word}", "the early {decade_word}", "the late {decade_word}",
    ),
    "date_dm": (
        ("the {ordinal_31} of {month_31}", 7), ("the {ordinal_30} of {month_30}", 4),
        ("the {ordinal_29} of february", 1),
    ),
    "date_md": (("{month_31} {ordinal_31}", 7), ("{month_30} {ordinal_30}", 4), ("february {ordinal_29}", 1)),
    "date_any": (
        ("{date_dm}", 4), ("{date_md}", 4), ("{weekday} the {ordinal_28}", 2), ("{weekday} {date_md}", 1),
        ("{weekday} the {ordinal_28} of {month}", 1), ("{holiday}", 1),
    ),
    "date_full": (
        ("{date_md} {year_modern}", 2), ("the {ordinal_28} of {month} {year_modern}", 2),
        ("{date_md} {year_historic}", 0.5),
    ),
    "clock": (
        ("{hour} o'clock", 2), ("half past {hour}", 2), ("a quarter past {hour}", 1),
        ("a quarter to {hour}", 1), ("{hour} {minute}", 5), ("{hour} thirty", 2),
        ("{hour} fifteen", 1), ("{hour} forty five", 1), ("noon", 0.5), ("midnight", 0.5),
        ("{minutes_past} past {hour}", 1), ("{minutes_past} to {hour}", 1),
        ("{hour} {minute} in the {day_period}", 1), ("{hour} o'clock in the {day_period}", 1),
        ("half past {hour} in the {day_period}", 0.5), ("{hour} in the {day_period}", 0.5),
        ("{hour} o'clock at night", 0.3), ("{hour} {minute} at night", 0.3),
    ),
    "minute": (("oh {num_1_9}", 9), ("{num_10_59}", 50)),
    "minutes_past": ("five", "ten", "twenty", "twenty five", "five minutes", "ten minutes", "twenty minutes"),
    "flight_duration": (
        "{num_2_12} hours", "an hour and a half", "about {num_2_12} hours", "{num_2_12} and a half hours",
        "{num_2_12} hours and {num_10_59} minutes", "less than an hour", "almost a whole day",
    ),
    "duration": (
        "{num_2_10} minutes", "{num_2_59} minutes", "half an hour", "an hour", "{num_2_12} hours",
        "a few minutes", "{num_2_10} days", "a week", "{num_2_5} weeks", "a couple of hours",
        "an hour and a half", "{num_2_5} hours and {num_10_59} minutes",
    ),
    "clause_short": (
        ("{cl_present}", 2), ("{cl_past0}", 3), ("{cl_future0}", 2), ("{cl_prog0}", 1), ("{cl_desc}", 2),
    ),
}

# ===========================================================================
# Sentence families
# ===========================================================================
# Each family is one rule, "family_<name>".  Clause rules ("cl_*") are shared so
# that opinions, names and questions reuse the statement grammar.

CLAUSES: dict[str, tuple] = {
    "cl_present": (
        ("{subj3} {vp_s}", 4), ("{subjp_i} {vp_base}", 4), ("{subj3} {adv_freq} {vp_s}", 2),
        ("{subjp_i} {adv_freq} {vp_base}", 2), ("{subj3} {vp_s} {time_habit}", 2),
        ("{subjp_i} {vp_base} {time_habit}", 2),
    ),
    "cl_past0": (("{subj_any} {vp_past}", 1),),
    "cl_past": (
        ("{subj_any} {vp_past}", 3), ("{subj_any} {vp_past} {time_past}", 3),
        ("{time_past} {subj_any} {vp_past}", 1), ("{adv_sentence} {subj_any} {vp_past}", 1),
    ),
    "cl_future0": (
        ("{subj_any} will {vp_base}", 2), ("{be_going} to {vp_base}", 2), ("i'll {vp_base}", 0.5),
        ("we'll {vp_base}", 0.5),
    ),
    "cl_future": (("{cl_future0}", 1), ("{cl_future0} {time_future}", 2)),
    "cl_prog0": (("{be_pres} {vp_ing}", 2), ("{be_past} {vp_ing}", 1)),
    "cl_prog": (("{cl_prog0}", 1), ("{be_pres} {vp_ing} {time_prog}", 1)),
    "cl_perfect": (
        ("{have_pres} {perfect_adverb} {vp_pp}", 4), ("{subj3} hasn't {vp_pp} yet", 1),
        ("{subjp_i} haven't {vp_pp} yet", 1), ("{have_pres} {vp_pp} {num_2_10} times", 0.5),
    ),
    "cl_modal": (("{subj_any} {modal} {vp_base}", 3), ("{subj_any} {modal_neg} {vp_base}", 2)),
    "cl_negative": (
        ("{do_neg} {vp_base}", 3), ("{subj_any} didn't {vp_base}", 2),
        ("{subj_any} didn't {vp_base} {time_past}", 1), ("{subj_any} won't {vp_base} {time_future}", 1),
        ("{subj3} isn't {vp_ing}", 0.5), ("{subjp} aren't {vp_ing}", 0.5),
    ),
    "cl_infinitive": (
        ("{subj3} {inf_s} to {vp_base}", 2), ("{subjp_i} {inf_base} to {vp_base}", 2),
        ("{subj_any} {inf_past} to {vp_base}", 3), ("{subj_any} would like to {vp_base}", 1),
    ),
    "cl_desc": (
        ("{object_the_sg} is {adv_degree_opt} {object_adj}", 2),
        ("{object_the_pl} are {adv_degree_opt} {object_adj}", 1),
        ("{subj3} {is_was_looks} {adv_degree_opt} {person_adj}", 2),
        ("{subjp} {are_were_look} {adv_degree_opt} {person_adj}", 2),
        ("i {am_was_feel} {adv_degree_opt} {person_adj}", 1), ("i'm {feeling}", 1),
        ("{place_the_sg} {is_was} {adv_degree_opt} {place_adj}", 1),
        ("{dish_the_sg} {tastes} {adv_degree_opt} {dish_adj}", 1),
        ("{media_the_sg} {is_was} {adv_degree_opt} {media_adj}", 1),
        ("{animal_the_sg} {is_was} {adv_degree_opt} {animal_adj}", 1),
        ("{nature_the_sg} {is_was_looks} {adv_degree_opt} {nature_adj}", 1),
        ("{idea_the_sg} {sounds} {adv_degree_opt} {idea_adj}", 1),
        ("the weather {is_was} {adv_degree_opt} {weather_adj}", 1),
        ("{clothing_the_sg} {is_was} too {clothing_fit}", 1),
    ),
    "is_was": ("is", "was"),
    "is_was_looks": ("is", "was", "looks", "seems", "looked", "seemed", "felt", "is getting", "became"),
    "are_were_look": ("are", "were", "look", "seem", "looked", "felt", "are getting"),
    "am_was_feel": ("am", "was", "feel", "felt", "am getting"),
    "feeling": ("{feeling_word}", "{adv_degree} {person_adj}", "not {feeling_word}"),
    "tastes": ("tastes", "tasted", "smells", "looks", "is", "was"),
    "sounds": ("sounds", "seems", "is", "was", "sounded"),
    "clause": (
        ("{cl_present}", 3), ("{cl_past}", 4), ("{cl_future}", 3), ("{cl_prog}", 2), ("{cl_perfect}", 2),
        ("{cl_modal}", 2), ("{cl_negative}", 2), ("{cl_infinitive}", 2), ("{cl_desc}", 3),
    ),
}

FAMILY_TEMPLATES: dict[str, tuple] = {
    "statement": (
        ("{cl_present}", 4), ("{cl_past}", 6), ("{cl_future}", 4), ("{cl_prog}", 3), ("{cl_perfect}", 3),
        ("{cl_modal}", 3), ("{cl_negative}", 3), ("{cl_infinitive}", 3),
        ("{cl_past0} and then {subj_any} {vp_past}", 1), ("{cl_past0} because {cl_past0}", 1),
        ("{cl_present} but {cl_negative}", 1), ("when {cl_past0} {cl_past0}", 1),
        ("{cl_past0} before {subj_any} {vp_past}", 0.5), ("after {subj_any} {vp_past} {cl_past0}", 0.5),
        ("{be_past} {vp_ing} when {subj_any} {v_intransitive_past}", 1),
        ("{subj_any} {ditransitive_past} {obj_person} {object_np}", 1),
        ("{subj_any} {food_giving_past} {obj_person} {food_np}", 0.5),
        ("{subj3} {ditransitive_s} {obj_person} {object_np_sg} {time_habit}", 0.3),
        ("{cl_future0} if {subj3} {vp_s}", 0.5), ("{cl_past0} so {cl_past0}", 0.5),
        ("{cl_past0} while {be_past} {vp_ing}", 0.5),
    ),
    "question": (
        ("do {subjp_i} {vp_base}", 2), ("does {subj3} {vp_base}", 2), ("did {subj_any} {vp_base}", 3),
        ("did {subj_any} {vp_base} {time_past}", 1), ("can {subj_any} {vp_base}", 1),
        ("will {subj_any} {vp_base} {time_future}", 1), ("should {subj_any} {vp_base}", 1),
        ("have you ever {vp_pp}", 1), ("has {subj3} {vp_pp} yet", 1), ("is {subj3} {vp_ing}", 1),
        ("are {subjp} {vp_ing}", 1), ("was {subj3} {vp_ing} {time_past}", 0.5),
        ("what did {subj_any} {v_food_base} for dinner", 0.5), ("what did {subj_any} {v_object_base}", 0.5),
        ("who did {subj_any} {v_person_base} {time_past}", 0.5),
        ("where did {subj_any} {v_object_base} the {object_sg}", 1), ("where is {object_the_sg}", 1),
        ("where are {object_the_pl}", 1), ("why did {subj_any} {vp_base}", 1),
        ("why is {subj3} so {person_adj}", 0.5), ("why are {subjp} so {person_adj}", 0.5),
        ("when does the {place_sg} open", 0.5), ("when does the {place_sg} close", 0.5),
        ("when does {transport_the_sg} leave", 0.5), ("what time does the {event_sg} start", 0.5),
        ("how much does {object_the_sg} cost", 0.5), ("how much did you pay for {object_the_sg}", 0.5),
        ("how many {object_pl} do we need", 0.5), ("how many {animal_pl} did {subj_any} see", 0.5),
        ("which {clothing_sg} do you like best", 0.5), ("who {vp_past}", 1),
        ("what is {subj3} doing {time_prog}", 0.5), ("how was the {event_sg}", 0.5),
        ("how was your {event_sg}", 0.5), ("how long does it take to get to {place_name}", 0.5),
        ("how often do you {vp_base}", 0.5), ("who is going to {vp_base}", 0.5),
        ("what's your favorite {category_noun}", 0.5), ("would you like some {meal}", 0.5),
        ("would you like {drink_np}", 0.5), ("could you {vp_base}", 1),
        ("do you know where {object_the_sg} is", 0.5), ("is there a {place_sg} near here", 0.5),
        ("are there any {food_pl} left", 0.5), ("what are you going to {v_food_base} for dinner", 0.3),
        ("why don't we {vp_base} {time_future}", 0.5), ("have you seen {object_the_pl}", 0.5),
        ("is it true that {cl_past0}", 0.5), ("do you think {clause_short}", 0.5),
        ("how did {subj_any} {vp_base}", 0.3), ("isn't {subj3} {vp_ing}", 0.3),
        ("shall we {vp_base}", 0.3), ("whose {object_sg} is this", 0.3), ("whose {object_pl} are these", 0.3),
    ),
    "description": (
        ("{cl_desc}", 6), ("what a {exclaim_adj} {place_sg}", 0.5),
        ("what a {exclaim_adj} {nature_sg}", 0.5), ("what a {person_adj} {person_sg}", 0.5),
        ("{object_the_sg} is {comparative} than {object_the_sg}", 1),
        ("{subj3} is {comparative} than {obj_person}", 0.5),
        ("this is the {superlative} {dish_sg} in {city}", 0.5),
        ("{place_name} is the {superlative} place i have ever visited", 0.3),
        ("it was the {superlative} {media_sg} i have ever seen", 0.5),
        ("{animal_the_pl} are {adv_degree_opt} {animal_adj}", 1),
        ("{fruit_the_pl} are {adv_degree_opt} {fruit_adj}", 0.5),
        ("there is a {object_adj} {object_sg} in the {room_sg}", 0.5),
        ("{subj3} has {adv_degree_attr} {hair_adj} hair", 0.5), ("{subj3} has {eye_color} eyes", 0.3),
        ("{room_the_sg} is {adv_degree_opt} {room_adj}", 0.5),
        ("it was a {event_adj} {event_sg}", 0.5), ("the {nature_pl} in {country} are {exclaim_adj}", 0.3),
        ("{name_poss} {vehicle_sg} is {vehicle_adj}", 0.3), ("my {furniture_sg} is {furniture_adj}", 0.3),
    ),
    "location": (
        ("{object_the_pl} are {surface_prep} the {furniture_sg}", 2),
        ("{object_the_sg} is {surface_prep} the {furniture_sg}", 2),
        ("{object_the_sg} is in the {container_sg}", 1), ("{object_the_pl} are inside the {container_sg}", 1),
        ("i left my {object_sg} {surface_prep} the {furniture_sg}", 1),
        ("is {object_the_sg} {surface_prep} the {furniture_sg}", 1),
        ("there is {object_a_sg} {surface_prep} the {furniture_sg}", 1),
        ("there are {count} {object_pl} in the {room_sg}", 1),
        ("{animal_the_sg} is sleeping {surface_prep} the {furniture_sg}", 1),
        ("put {object_the_pl} {surface_prep} the {furniture_sg}", 1),
        ("put {object_the_sg} in the {container_sg}", 1), ("the {place_sg} is {place_prep} the {place_sg}", 1),
        ("we live near the {place_sg}", 0.5), ("{name} lives in {place_name}", 1),
        ("my {relative_sg} lives in {place_name}", 1),
        ("{object_the_sg} fell behind the {furniture_sg}", 0.5),
        ("i found {object_the_pl} under the {furniture_sg}", 0.5),
        ("the {food_pl} are in the fridge", 0.5), ("{dish_the_sg} is on the {furniture_sg} in the {room_sg}", 0.5),
        ("{name} is waiting {place_prep} the {place_sg}", 0.5), ("the children are playing in the {room_sg}", 0.3),
        ("the {animal_sg} is hiding {surface_prep} the {furniture_sg}", 0.5), 
        ("the {place_sg} is in the center of {city}", 0.3), ("our {room_sg} is next to the {room_sg}", 0.3),
    ),
    "request": (
        ("please {vp_base}", 3), ("don't forget to {vp_base}", 2), ("let's {vp_base} {time_future}", 2),
        ("could you {vp_base} please", 2), ("would you mind {vp_ing}", 1), ("try to {vp_base}", 1),
        ("{vp_base}", 2), ("{vp_base} please", 1), ("you should {vp_base} {time_future}", 1),
        ("don't {vp_base}", 1), ("make sure you {vp_base}", 1), ("can you help me {vp_base}", 1),
        ("i need you to {vp_base} {time_future}", 1), ("remember to {vp_base} before you {v_intransitive_base}", 0.5),
        ("never {vp_base} without asking", 0.3), ("please don't {vp_base}", 0.5),
        ("let's not {vp_base} {time_future}", 0.3), ("it's time to {vp_base}", 0.5),
        ("would you like to {vp_base}", 0.5), ("why don't you {vp_base}", 0.5),
    ),
    "opinion": (
        ("i think {clause}", 3), ("i don't think {clause_short}", 1), ("{subj3} said that {clause}", 2),
        ("i believe that {clause_short}", 1), ("in my opinion {clause_short}", 1), ("maybe {clause_short}", 1),
        ("i hope {cl_future}", 1), ("i'm sure {clause_short}", 1), ("it seems that {clause_short}", 1),
        ("i wish {subj_any} could {vp_base}", 1), ("i really {like_verb} {likeable}", 1),
        ("i don't like {likeable} very much", 1), ("{generalization}", 1),
        ("i prefer {meal} to {meal}", 0.5), ("the best thing about {city} is the {meal}", 0.3),
        ("i'd rather {vp_base} than {vp_base}", 0.5), ("{subj3} thinks {clause_short}", 1),
        ("it's a pity that {cl_past0}", 0.3), ("i'm afraid {clause_short}", 0.5),
        ("to be honest {clause_short}", 0.5), ("i can't believe {cl_past0}", 0.5),
        ("i doubt that {cl_future0}", 0.3), ("i'm glad {cl_past0}", 0.5), ("i'm worried that {cl_future0}", 0.3),
        ("{idea_the_sg} is {idea_adj}", 0.5), ("it would be {idea_adj} to {vp_base}", 0.5),
    ),
    "conversation": (
        ("{greeting} {name}", 2), ("{greeting} everyone", 1), ("{short_reply}", 2), ("{farewell}", 1),
        ("{farewell} {name}", 1), ("thank you for {vp_ing}", 2), ("thanks for {vp_ing}", 1),
        ("thank you so much for the {object_attr} {object_sg}", 1), ("i'm sorry i'm late", 0.3),
        ("sorry for {vp_ing}", 1), ("excuse me is this the way to the {place_sg}", 1),
        ("see you {time_future}", 1), ("nice to meet you {name}", 1), ("have a nice {have_a_nice}", 1),
        ("congratulations on your {congratulations}", 1), ("happy birthday {name}", 0.5), ("welcome to {city}", 0.5),
        ("good luck with your {event_sg}", 1), ("don't worry about {idea_the_sg}", 0.5),
        ("of course you can {vp_base}", 0.5), ("let me know when you {vp_base}", 1),
        ("{greeting} how are you", 0.5), ("sorry i didn't {vp_base}", 0.5),
        ("it was nice talking to you {name}", 0.3),
        ("i'm so happy for you {name}", 0.3), ("how is your {relative_sg} doing", 0.5),
        ("give my love to your {relative_sg}", 0.3), ("{short_reply} {name}", 0.5),
    ),
    "count": (
        ("there are {num_2_99} {countable_pl} in the {room_sg}", 1),
        ("there are {num_2_99} {person_pl} in the {place_sg}", 1),
        ("i counted {num_2_99} {animal_pl} in the {nature_inside}", 1), ("we need {num_2_20} more {object_pl}", 1),
        ("{subj3} has {num_2_10} {relative_pl}", 1), ("{num_2_99} {person_pl} came to the {event_sg}", 1),
        ("the {object_sg} weighs {num_2_99} {weight_unit}", 1),
        ("the {place_sg} is {num_2_99} {distance_unit} away", 1),
        ("the score was {num_0_10} to {num_0_10}", 1),
        ("{num_2_99} percent of the {person_pl} {v_intransitive_past}", 1),
        ("{name} is {num_5_90} years old", 1), ("turn to page {num_1_999}", 1),
        ("our room number is {num_1_999}", 0.5),
        ("the train leaves from platform {num_1_20}", 0.5), ("take bus number {num_1_999}", 0.5),
        ("{city} has about {big_number} people", 1), ("the {room_sg} is {num_2_20} meters long", 0.5),
        ("we drove {num_2_999} miles {time_past}", 0.5),
        ("i have {num_2_20} {countable_pl} and {num_2_20} {countable_pl}", 0.5),
        ("the temperature rose by {num_1_9} point {digit} degrees", 0.3), ("the book has {num_2_999} pages", 0.5),
        ("{subj3} {ate_bought} {num_2_12} {food_pl} {time_past}", 1),
        ("read chapter {num_1_20} for {time_future}", 0.3),
        ("the stadium holds {big_number} people", 0.3), ("exercise {num_1_20} is on page {num_1_999}", 0.3),
        ("about {num_10_90_by_10} percent of the {food_pl} were {fruit_adj}", 0.3),
        ("i've told you {num_2_20} times", 0.2), ("the building has {num_2_99} floors", 0.5),
        ("add {num_2_10} {food_pl} to the list", 0.3), ("there were {num_2_99} {vehicle_pl} in the parking lot", 0.5),
    ),
    "price": (
        ("{object_the_sg} costs {price}", 2), ("i paid {price} for {object_the_sg}", 2),
        ("that will be {price} please", 1),
        ("it's only {price}", 1), ("the tickets are {price} each", 1), ("{clothing_the_pl} cost {price}", 1),
        ("we spent {price} on {food_mass}", 1), ("can you lend me {small_price}", 1),
        ("the total comes to {price}", 1),
        ("the rent is {price} a month", 1), ("{subj3} earns {small_price} an hour", 1),
        ("{subj3} sold {poss} {vehicle_sg} for {price}", 1), ("the price went up by {num_2_99} percent", 0.5),
        ("a {cold_drink_unit} of {cold_drink} costs {small_price}", 0.5),
        ("a {hot_drink_unit} of {hot_drink} is {small_price} here", 0.5),
        ("how much is {object_the_sg}", 0.5), ("i found {small_price} in my {clothing_sg} pocket", 0.3),
        ("{fruit_the_pl} are {small_price} a kilo", 0.5), ("the {place_sg} charges {price} for parking", 0.3),
        ("the fine was {price}", 0.3), ("it cost me {price} to fix {object_the_sg}", 0.5),
        ("{subj3} saved {price} {time_past}", 0.5), ("the dinner for {num_2_12} people was {price}", 0.5),
    ),
    "year": (
        ("{subj3} was born in {year_past}", 2), ("the {place_sg} was built in {year_historic}", 1),
        ("we moved to {place_name} in {year_past}", 1),
        ("in {year_past} {cl_past0}", 1), ("my {vehicle_sg} is from {year_past}", 0.5),
        ("that song came out in {year_past}", 1),
        ("this {media_sg} was made in {year_past}", 0.5), ("i graduated in {year_past}", 1),
        ("{name} and {name} got married in {year_past}", 1),
        ("the company was founded in {year_before_now}", 1), ("back in {year_past} {subj3} lived in {place_name}", 1),
        ("i love the music of {decade}", 1), ("{object_the_sg} dates back to {year_historic}", 0.5),
        ("{subj3} lived in {city} for {num_2_20} years", 0.5), ("the bridge opened in {year}", 0.5),
        ("by {year_future} the {place_sg} will be finished", 0.3), ("the {event_sg} took place in {year_past}", 0.5),
        ("that was the summer of {year_past}", 0.5), ("{subj3} started working here in {year_past}", 0.5),
    ),
    "phone": (
        ("my phone number is {phone_number}", 2), ("call me back on {phone_number}", 1),
        ("you can reach me at {phone_number}", 1),
        ("the code is {digits_4}", 1), ("my pin is {digits_4}", 1), ("your order number is {digits_6}", 1),
        ("dial {digits_3} for help", 0.5), ("the extension is {digits_4}", 0.5), ("my zip code is {digits_5}", 1),
        ("the flight number is {num_2_999}", 0.5), ("write down this number {phone_number}", 0.5),
        ("the door code is {digits_4}", 0.5), ("please enter {digits_4}", 0.5),
        ("{name_poss} number is {phone_number}", 1),
        ("your booking reference is {digits_6}", 0.5), ("the account number ends in {digits_4}", 0.5),
        ("press {digit} to speak to an operator", 0.5), ("the room is on floor {num_1_20}", 0.3),
    ),
    "date": (
        ("my birthday is on {date_dm}", 2), ("the meeting was moved to {date_any}", 1),
        ("we arrive on {date_any}", 1),
        ("the deadline is {date_md}", 1), ("the {event_sg} is on {date_any}", 2),
        ("{name} was born on {date_full}", 1),
        ("the {place_sg} closes early on {date_any}", 1), ("today is {weekday} {date_md}", 1),
        ("the holiday starts on {date_dm}", 1),
        ("i'll be back on {date_any}", 1), ("the exam is scheduled for {date_md}", 1),
        ("what are you doing on {date_dm}", 1), ("the party is on {weekday} the {ordinal_28} of {month}", 1),
        ("school starts on {date_full}", 0.5), ("we were in {country} from {date_md} to {date_md}", 0.5),
        ("the rent is due on the {ordinal_28} of every month", 0.5), ("{subj3} got married on {date_full}", 0.5),
        ("the shop is closed on {holiday}", 0.5), ("the letter was dated {date_full}", 0.3),
        ("the offer ends on {date_dm}", 0.5), ("on {date_dm} {cl_past0}", 0.5),
    ),
    "time": (
        ("the {transport_sg} leaves at {clock}", 2), ("wake me up at {clock}", 1),
        ("the {event_sg} starts at {clock}", 2),
        ("let's meet at {clock} in front of the {place_sg}", 1), ("dinner will be ready at {clock}", 1),
        ("the {place_sg} opens at {clock} and closes at {clock}", 1), ("it's {clock}", 1),
        ("it's already {clock}", 1),
        ("my flight lands at {clock} {time_future}", 1), ("i usually wake up at {clock}", 1),
        ("the show starts at {clock} sharp", 0.5),
        ("we have to leave by {clock}", 1), ("the {transport_sg} arrives at {clock} every morning", 1),
        ("school finishes at {clock}", 0.5), ("is {clock} okay for you", 1), ("i'll call you at {clock}", 1),
        ("it's almost {clock}", 0.5), ("the alarm went off at {clock}", 0.5),
        ("the {place_sg} is open from {clock} until {clock}", 0.5),
        ("{subj3} went to bed at {clock} {time_past_day}", 1), ("the movie lasts {duration}", 0.5),
        ("we waited for {duration}", 0.5), ("it takes {duration} to get to {city}", 0.5),
        ("lunch is at {clock}", 0.5), ("the {event_sg} was moved to {clock}", 0.5),
        ("{name} called at {clock}", 0.5), ("the baby finally fell asleep at {clock}", 0.3),
    ),
    "name": (
        ("please call {name} at {clock}", 1), ("please call {name} {time_future}", 1),
        ("tell {name} that {clause_short}", 2),
        ("{name} and {name} went to {place_name} {time_past}", 1), ("have you seen {name} {day_part}", 1),
        ("say hello to {name} for me", 0.5), ("{name} sent me a message about the {event_sg}", 1),
        ("send a message to {name} saying {message}", 1), ("remind {name} to {vp_base}", 1),
        ("ask {name} if {subj_any} can {vp_base}", 1), ("my name is {name}", 1), ("this is {name} speaking", 0.5),
        ("{female_pair}", 1), ("{male_pair}", 1), ("{name_poss} {relative_sg} lives in {place_name}", 1),
        ("{name} is going to {vp_base} {time_future}", 1), ("i'm meeting {name} for {meal_out} {time_future}", 1),
        ("{name} works at the {place_sg}", 1), ("{name} called while you were out", 0.5),
        ("could you ask {name} to call me back", 0.5), ("{name} invited us to the {event_sg}", 1),
        ("where is {name}", 0.5), ("{name} lives next to the {place_sg}", 0.5),
        ("give this {object_sg} to {name}", 1),
        ("{name} and i {vp_past} {time_past}", 1), ("{name} is a {occupation_sg}", 1),
        ("{name} wants to be a {occupation_sg}", 0.5),
        ("{name} married {name} in {year_past}", 0.3),
        ("{name_poss} {object_sg} is {surface_prep} the {furniture_sg}", 0.5),
    ),
    "command": (
        ("turn {on_off} the {device_sg}", 2), ("turn the {device_sg} {on_off}", 1),
        ("switch {on_off} the lights in the {room_sg}", 1),
        ("turn {on_off} the {room_sg} lights", 2), ("dim the lights in the {room_sg}", 1),
        ("set the thermostat to {num_15_30} degrees", 1),
        ("set an alarm for {clock}", 2), ("set a timer for {duration}", 1), ("play some {genre} music", 2),
        ("play the next song", 0.5),
        ("pause the music", 0.5), ("turn the volume {up_down}", 1), ("open the {openable}", 1),
        ("close the {openable}", 1),
        ("lock the front door", 0.5), ("remind me to {vp_base} {time_future}", 2),
        ("add {food_np} to my shopping list", 1),
        ("call {name}", 1), ("call my {relative_sg}", 1), ("send a text to {name}", 0.5), ("read my messages", 0.3),
        ("what's the weather like in {city} {time_future}", 1), ("navigate to the nearest {place_sg}", 1),
        ("show me the way to the {place_sg}", 1), ("book a table for {num_2_12} at {clock}", 1),
        ("order a {dish_adj} pizza", 0.5),
        ("find a {cuisine} restaurant near me", 1), ("cancel my appointment {time_future}", 0.5),
        ("start the {device_sg}", 1),
        ("turn up the heat in the {room_sg}", 0.5), ("water the plants at {clock}", 0.3),
        ("record the {media_sg} {time_future}", 0.5),
        ("remind {name} about the {event_sg}", 0.5), ("what time is it in {city}", 0.5),
        ("how far is {city} from here", 0.5),
        ("tell me a joke", 0.2), ("skip this song", 0.3), ("take a picture of the {nature_sg}", 0.3),
        ("turn {on_off} the {device_sg} in the {room_sg}", 1), ("set the oven to {oven_temperature} degrees", 0.5),
        ("play the latest episode of the {media_sg}", 0.3), ("add {event_the_sg} to my calendar for {date_any}", 0.5),
        ("wake me up {time_future}", 0.5), ("turn the lights {on_off} at {clock}", 0.5),
    ),
    "weather": (
        ("it is going to be {weather_adj} {weather_when}", 2),
        ("it will be {weather_adj} and {weather_adj} in {city} {weather_when}", 1),
        ("it was {adv_degree_opt} {weather_adj} {time_past}", 2),
        ("it's {adv_degree_opt} {weather_adj} {time_prog}", 1),
        ("the temperature will {rise_drop} to {num_0_40} degrees {weather_when}", 1),
        ("it's {num_0_40} degrees outside", 1),
        ("it was minus {num_1_20} degrees last night", 0.5),
        ("expect {weather_mass} in {place_name} {weather_when}", 1),
        ("there is a {num_10_90_by_10} percent chance of {weather_mass} {weather_when}", 1),
        ("the forecast says it will {rain_snow} {weather_when}", 1),
        ("it has been {weather_adj} all week in {city}", 1),
        ("we had {weather_adj} weather in {country} {time_past}", 1),
        ("take an umbrella because it might rain {weather_when}", 0.5),
        ("the wind is blowing from the {direction}", 0.5), ("what a {weather_adj} day", 1),
        ("the {weather_mass} stopped {time_past}", 0.5),
        ("there was {heavy_light} {weather_mass} in {city} {time_past}", 1),
        ("i love {weather_adj} {day_period_pl}", 0.5),
        ("it's too {weather_adj} to {vp_base}", 1), ("the roads are icy this morning", 0.2),
        ("the {nature_sg} was covered in snow", 0.5), ("a {weather_event_sg} is coming from the {direction}", 1),
        ("it rained all day in {city}", 0.5), ("it snowed {time_past}", 0.5),
        ("the sky is {sky_adj} {time_prog}", 0.5),
        ("a {weather_event_attr} {weather_event_sg} hit {place_name} {time_past}", 0.5),
        ("it's a {weather_adj} {day_period} in {city}", 0.5), ("the {weather_mass} will clear by {clock}", 0.3),
    ),
    "travel": (
        ("my flight to {city} leaves at {clock}", 1), ("our {transport_sg} to {city} leaves at {clock}", 1),
        ("we are driving to {place_name} {time_future}", 1),
        ("how long does it take to get to {city} by {transport_sg}", 0.5),
        ("the {transport_sg} from {city} to {city} was delayed by {num_2_59} minutes", 1),
        ("i would like a {ticket_type} ticket to {city} please", 1),
        ("our hotel in {city} has a {exclaim_adj} view of the {nature_sg}", 1),
        ("we spent {num_2_20} days in {country} {time_past_long}", 1), ("{subj3} has never been to {country}", 1),
        ("{subjp_i} have never been to {place_name}", 0.5),
        ("which platform does the train to {city} leave from", 0.5),
        ("the {transport_sg} to the {place_sg} comes every {num_5_30} minutes", 1),
        ("don't forget to pack your {clothing_pl} and your {object_pl}", 1), ("is this seat taken", 0.2),
        ("we missed the last {transport_sg} home", 0.5), ("i left my {object_sg} on the {transport_sg}", 1),
        ("{name} is flying to {city} {time_future}", 1), ("the {vehicle_sg} broke down on the way to {city}", 0.5),
        ("we took a {transport_sg} to the {place_sg}", 1), ("how far is the {place_sg} from the {place_sg}", 0.5),
        ("my passport is in my {container_sg}", 0.5), ("we stayed in a {place_adj} hotel near the {nature_sg}", 1),
        ("let's rent a {vehicle_sg} and drive to {city}", 0.5), ("{city} is a {place_adj} city", 0.5),
        ("the tour starts at {clock} in front of the {place_sg}", 0.5),
        ("the flight from {city} takes {flight_duration}", 0.5),
        ("we are going on a trip to {country} {time_future}", 1), ("i've always wanted to visit {place_name}", 1),
        ("{city} is famous for its {place_pl}", 0.5), ("we crossed the border into {country} at {clock}", 0.3),
        ("the {transport_sg} was {adv_degree_opt} crowded {time_past}", 0.5), ("our luggage was lost in {city}", 0.3),
        ("{subj3} is traveling around {country} by {transport_sg}", 0.5),
        ("check in opens {duration} before the flight", 0.3),
    ),
    "shopping": (
        ("i need to buy {food_np}", 1), ("i need to buy {clothing_np}", 1),
        ("do you have this {clothing_sg} in {color}", 1),
        ("do you have these {clothing_pl} in a {smaller_larger} size", 0.5),
        ("{clothing_the_pl} are on sale {time_prog}", 1),
        ("where can i find the {food_pl}", 1), ("where can i find the {food_mass}", 0.5),
        ("the {shop_sg} closes at {clock}", 1),
        ("can i pay by card", 0.3), ("can i pay in cash", 0.3), ("i would like to return this {object_sg}", 1),
        ("how much are the {food_pl}", 1), ("how much is this {clothing_sg}", 1), ("we ran out of {food_mass}", 1),
        ("we ran out of {drink}", 0.5), ("put the {food_pl} in the {shopping_container}", 1),
        ("this {clothing_sg} is too {clothing_fit}", 1),
        ("i'm looking for a {clothing_adj} {clothing_sg}", 1), ("the {food_pl} are {num_2_9} for {small_price}", 0.5),
        ("there's a discount on {countable_pl} {time_prog}", 0.5), ("could i have a bag please", 0.2),
        ("keep the receipt in case you need to return {it_them}", 0.5),
        ("the {shop_sg} on the corner sells {dish_adj} {dish_pl}", 1),
        ("i spent too much money at the {shop_sg}", 0.5), ("do you sell {countable_pl}", 1),
        ("we bought {food_np} at the {shop_sg}", 1),
        ("my {relative_sg} bought me {clothing_color_np}", 1), ("the {shop_sg} has a sale on {clothing_pl}", 0.5),
        ("these {clothing_pl} don't fit me anymore", 0.5), ("i'd like {num_2_10} {food_pl} please", 0.5),
        ("is there a {shop_sg} near here", 0.5), ("{subj3} always shops at the {shop_sg} on {weekday_pl}", 0.5),
    ),
    "cooking": (
        ("add {num_2_5} cups of {food_grain}", 1), ("add a pinch of {spice}", 1),
        ("bake the {bakeable} for {num_10_59} minutes", 1),
        ("preheat the oven to {oven_temperature} degrees", 1), ("{cooking_instruction}", 3),
        ("stir the {stirrable} {stir_manner}", 1), ("mix the {food_grain} with the {food_spread}", 1),
        ("boil the {vegetable_pl} for {num_2_20} minutes", 1), ("season the {food_piece} with salt and pepper", 1),
        ("let the {bakeable} cool for {num_5_30} minutes", 1), ("melt {num_2_5} tablespoons of butter", 1),
        ("pour the {cold_drink} into a {bowl_glass}", 0.5), ("fry the {food_pl} in {fat} until golden", 1),
        ("whisk {num_2_10} eggs in a bowl", 1), ("cook the {meal} over {heat_level} heat for {num_2_20} minutes", 1),
        ("serve the {meal} with {food_np}", 1), ("wash the {fruit_pl} before you eat them", 0.5),
        ("the recipe calls for {num_2_10} {food_pl} and {num_2_5} cups of {food_grain}", 1),
        ("i'm making {meal} for dinner tonight", 1), ("{subj3} makes the best {meal} in {city}", 1),
        ("don't forget to turn off the oven", 0.3), ("the {dish_sg} needs {num_2_10} more minutes in the oven", 1),
        ("sprinkle some {spice} on top", 1), ("grate some cheese over the {meal}", 0.5),
        ("the {stirrable} needs more {spice}", 1),
        ("we're having {meal} and {meal} for dinner", 1), ("spread some {spreadable} on the toast", 1),
        ("cut the {fruit_pl} into small pieces", 1),
        ("{preparing_step} {num_2_10} {vegetable_pl} and set them aside", 1),
        ("keep the {food_mass} in the fridge", 0.5), ("the secret ingredient is {food_mass}", 0.5),
        ("this recipe serves {num_2_12} people", 0.5),
    ),
    "work": (
        ("the meeting {starts_ends} at {clock}", 1), ("{subj3} works as a {occupation_sg} in {city}", 1),
        ("i work as a {occupation_sg}", 1), ("{subj3} is a {occupation_sg} at the {place_sg}", 1),
        ("our {teacher_boss} gave us {num_2_20} pages of homework", 1),
        ("please send me the {document_sg} by {weekday}", 1),
        ("i have {an_exam} in {subject} {time_future}", 1), ("{subj3} is studying {subject} at the university", 1),
        ("{name} is learning {language}", 1), ("the office is closed on {weekday_pl}", 0.5),
        ("my boss wants the {document_sg} before {clock}", 1),
        ("we have a meeting with the {occupation_pl} at {clock}", 1),
        ("can you finish the {document_sg} {time_future}", 1),
        ("the {occupation_sg} explained {idea_the_sg} very clearly", 1),
        ("{subj3} got a new job at the {place_sg}", 1), ("i'm working from home {time_prog}", 0.5),
        ("the project is due on {date_any}", 1), ("{subj3} was promoted {time_past}", 0.5),
        ("i forgot to {document_verb} the {document_sg}", 1), ("the interview went {well_badly}", 0.5),
        ("{name} got {num_2_20} out of twenty on the {subject} test", 1),
        ("our {subject} class is on {weekday_pl}", 1),
        ("i need to print {num_2_20} copies of the {document_sg}", 0.5), ("the teacher asked us to {vp_base}", 1),
        ("{subj3} speaks {language} and {language}", 1), ("we hired {num_2_10} new {occupation_pl} {time_past}", 0.5),
        ("the {occupation_pl} are on strike {time_prog}", 0.3),
        ("{subj3} has been a {occupation_sg} for {num_2_30} years", 1),
        ("the students are studying for the {subject} exam", 0.5), ("my {subject} teacher is {person_adj}", 0.5),
        ("the conference is in {city} {time_future}", 0.5),
    ),
    "health": (
        ("my {body_sg} hurts", 2), ("my {body_pl} hurt", 1), ("i have a {ailment}", 2),
        ("{subj3} has a {ailment}", 1),
        ("take {medicine_dose} {medicine_time}", 1), ("the doctor said that i should {vp_base}", 1),
        ("i have an appointment with the {doctor} at {clock}", 1), ("drink plenty of water and get some rest", 0.3),
        ("{subj3} broke {his_her} {body_sg} {time_past}", 1), ("i hurt my {body_sg} while {v_intransitive_ing}", 1),
        ("how long have you had this {ailment}", 1), ("you should {health_advice}", 1),
        ("the nurse took my temperature", 0.2),
        ("my {relative_sg} is in the hospital", 0.5), ("{subj3} feels much better {time_prog}", 1),
        ("wash your hands before {vp_ing}", 0.5), ("i'm allergic to {allergen}", 1),
        ("{subj3} walks {num_2_10} kilometers every day", 0.5),
        ("the pharmacy is open until {clock}", 0.5), ("get well soon {name}", 0.5),
        ("{subj3} has been sick since {weekday}", 0.5),
        ("the {doctor} told {obj_person} to {health_advice}", 1), ("i didn't sleep well {time_past}", 0.5),
        ("my {body_sg} is {sore_adj} after {v_intransitive_ing}", 0.5),
    ),
    "hobby": (
        ("{subj3} plays {sport} {time_habit}", 1), ("{subjp_i} play {sport} {time_habit}", 1),
        ("{subj3} is learning to play the {instrument_sg}", 1),
        ("i've been playing the {instrument_sg} for {num_2_20} years", 1),
        ("we went {nature_activity} near the {nature_sg} {time_past}", 1), ("let's go {activity} {time_future}", 1),
        ("our team won the game {num_0_10} to {num_0_10}", 1), ("the {sport} match starts at {clock}", 1),
        ("who won the {sport} game last night", 0.5), ("{name} is a {person_adj} {player}", 1),
        ("my favorite sport is {sport}", 1),
        ("{subj3} loves {activity}", 1), ("{subjp_i} love {activity}", 1), ("i'm not very good at {sport}", 0.5),
        ("{name} scored {num_2_30} points in the last game", 1), ("we practice every {weekday} after school", 0.5),
        ("{subj3} collects {object_pl}", 0.5), ("in my free time i like to {free_time_activity}", 1),
        ("the {sport} season starts in {month}", 0.5),
        ("{name} can play the {instrument_sg} and the {instrument_sg}", 1),
        ("do you want to play {sport} with us", 1),
        ("{subj3} took {hobby_lesson} lessons {time_past}", 1), ("reading is my favorite hobby", 0.2),
        ("i've been {v_intransitive_ing} all day", 0.5), ("{subj3} goes {activity} {time_habit}", 1),
        ("we watched the {sport} match at {name_poss} house", 0.5), ("{subj3} is the best {player} in our team", 0.5),
        ("{name} plays the {instrument_sg} in a {genre} band", 0.5), ("i listen to {genre} music {time_habit}", 0.5),
    ),
    "direction": (
        ("turn {left_right} at the {ordinal_small} {street_feature_sg}", 2),
        ("go straight for {num_100_900_by_50} meters", 1),
        ("the {place_sg} is on your {left_right}", 2), ("take the {ordinal_small} exit", 1),
        ("walk {num_2_10} blocks and turn {left_right}", 1),
        ("the {place_sg} is next to the {place_sg}", 1),
        ("the {place_sg} is across the street from the {place_sg}", 1),
        ("the {place_sg} is {num_2_20} minutes from here on foot", 1),
        ("cross the bridge and keep going until you see the {place_sg}", 0.5),
        ("follow this road until you reach the {place_sg}", 1), ("it's right around the corner", 0.2),
        ("the nearest {place_sg} is about {num_2_20} kilometers away", 1),
        ("excuse me how do i get to the {place_sg}", 1),
        ("is the {place_sg} far from here", 1),
        ("go past the {place_sg} and take the {ordinal_small} street on the {left_right}", 1),
        ("head {direction} for {num_2_20} miles", 0.5), ("the entrance is behind the {place_sg}", 0.5),
        ("park behind the {place_sg}", 0.5), ("keep {left_right} at the {street_feature_sg}", 0.5),
        ("turn {left_right} after the {place_sg}", 1),
        ("the {place_sg} is on the {ordinal_small} floor", 0.5),
        ("drive {direction} until you see the {nature_sg}", 0.5),
    ),
}

FAMILY_WEIGHTS = {
    "statement": 14, "question": 10, "description": 5, "location": 4, "request": 5,
    "opinion": 4, "conversation": 3, "count": 5, "price": 4, "year": 3, "phone": 3,
    "date": 5, "time": 5, "name": 5, "command": 6, "weather": 4, "travel": 4,
    "shopping": 4, "cooking": 4, "work": 4, "health": 3, "hobby": 4, "direction": 3,
}

# Small closed sets used by the family templates above.
MISC_RULES: dict[str, tuple] = {
    "surface_prep": (
        "on", "under", "behind", "next to", "near", "in front of", "beside", "on top of", "underneath", "by",
    ),
    "place_prep": (
        "next to", "near", "behind", "in front of", "across from", "opposite", "around the corner from", "close to",
    ),
    "on_off": ("on", "off"),
    "up_down": ("up", "down"),
    "left_right": ("left", "right"),
    "openable": ("window", "door", "garage door", "curtains", "blinds", "gate", "kitchen window", "back door"),
    "rise_drop": ("rise", "drop", "fall", "climb"),
    "rain_snow": ("rain", "snow", "be windy", "be sunny", "clear up", "get colder", "get warmer"),
    "heavy_light": ("heavy", "light", "a lot of", "some", "no"),
    "sky_adj": ("clear", "gray", "dark", "blue", "cloudy", "bright", "pink", "orange"),
    "day_period_pl": ("days", "mornings", "evenings", "afternoons", "nights"),
    "ticket_type": ("one way", "return", "round trip", "first class", "cheap", "single"),
    "shopping_container": ("basket", "cart", "bag", "trolley", "box"),
    "it_them": ("it", "them"),
    "free_time_activity": (
        "{v_intransitive_base}", "go {activity}", "play {sport}", "play cards", "read {document_pl}",
        "watch {media_pl}",
        "play the {instrument_sg}", "cook {meal}", "walk in the {nature_inside}", "visit {place_name}",
        "listen to {genre} music", "grow {plant_pl}", "take pictures of {animal_pl}",
    ),
    "smaller_larger": ("smaller", "larger", "bigger", "different", "medium"),
    "bakeable": ("cake", "bread", "pie", "cookies", "muffins", "potatoes", "chicken", "pizza", "lasagna", "fish"),
    "stirrable": ("soup", "sauce", "mixture", "porridge", "batter", "stew", "curry", "rice"),
    "cooking_instruction": (
        "{cutting_step} the {vegetable_pl} into small pieces", "{cutting_step} the {vegetable_pl} very finely",
        "{cutting_step} the {vegetable_pl} thinly", "{cut_slice} the {vegetable_sg} in half",
        "{heating_step} the {vegetable_pl} for {num_2_20} minutes", "{heating_step} the {vegetable_pl} until soft",
        "{heating_step} the {food_piece} until golden", "{preparing_step} the {vegetable_pl} carefully",
        "{preparing_step} the {vegetable_pl} and put them in a bowl",
    ),
    "bowl_glass": ("bowl", "glass", "pan", "jug", "pot", "cup", "saucepan"),
    "cut_slice": ("cut", "slice"),
    "stir_manner": (
        "gently", "slowly", "constantly", "well", "carefully", "occasionally", "for a minute", "every few minutes",
    ),
    "heat_level": ("low", "medium", "high", "gentle"),
    "spreadable": ("butter", "jam", "honey", "peanut butter", "cream cheese", "chocolate spread", "marmalade"),
    "starts_ends": ("starts", "ends", "begins", "finishes"),
    "teacher_boss": ("teacher", "boss", "professor", "manager", "tutor"),
    "an_exam": ("an exam", "a test", "a quiz", "a presentation", "an essay due", "a lecture"),
    "document_verb": ("sign", "print", "send", "finish", "read", "check", "submit", "update", "save", "write"),
    "well_badly": ("well", "badly", "very well", "really badly", "better than expected", "quite well"),
    "medicine_time": (
        "after meals", "before bed", "twice a day", "every morning", "with water", "three times a day",
        "every four hours",
    ),
    "doctor": ("doctor", "dentist", "nurse", "surgeon", "eye doctor", "specialist"),
    "his_her": ("his", "her"),
    "health_advice": (
        "stay in bed", "see a doctor", "drink more water", "exercise more", "eat more vegetables",
        "get more sleep", "take it easy", "rest for a few days", "stop eating sugar", "go for a walk every day",
        "avoid coffee", "keep warm",
    ),
    "allergen": ("{food_pl}", "{animal_pl}", "{food_mass}", "dust", "pollen", "cats", "nuts"),
    "sore_adj": ("sore", "stiff", "swollen", "tired", "aching", "numb"),
    "ate_bought": ("ate", "bought", "sold", "picked", "ordered", "cooked", "needed", "wanted"),
    "weight_unit": ("kilograms", "grams", "pounds", "kilos", "tons"),
    "distance_unit": ("kilometers", "miles", "meters", "blocks", "minutes"),
    "ordinal_small": ("first", "second", "third", "fourth", "fifth", "next"),
    "hair_adj": ("long", "short", "curly", "straight", "dark", "blond", "red", "gray", "brown", "black"),
    "eye_color": ("blue", "brown", "green", "gray", "dark", "bright blue"),
    "generalization": (
        "{animal_pl} are {adv_degree_opt} {animal_adj}", "{fruit_pl} are {adv_degree_opt} {fruit_adj}",
        "{vehicle_pl} are {adv_degree_opt} {vehicle_adj}", "{media_pl} are {adv_degree_opt} {media_adj}",
        "{dish_pl} are {adv_degree_opt} {dish_adj}", "{plant_pl} are {adv_degree_opt} {plant_adj}",
        "{occupation_pl} are {adv_degree_opt} {person_adj}", "{device_pl} are {adv_degree_opt} {device_adj}",
    ),
    "likeable": (
        "{animal_pl}", "{food_pl}", "{media_pl}", "{clothing_pl}", "{plant_pl}", "{vehicle_pl}", "{sport}",
        "{genre} music", "{activity}", "{meal}", "{weather_adj} weather", "{city}",
    ),
    "countable_pl": ("{object_pl}", "{food_pl}", "{clothing_pl}", "{document_pl}", "{plant_pl}", "{device_pl}"),
    "category_noun": (
        "color", "food", "movie", "song", "book", "animal", "city", "sport", "season", "day of the week",
        "subject", "game", "dessert", "drink", "band", "restaurant", "holiday",
    ),
    "like_verb": ("like", "love", "enjoy", "hate", "miss", "dislike"),
    "have_a_nice": ("day", "weekend", "trip", "evening", "holiday", "time in {city}", "flight", "birthday"),
    "congratulations": (
        "new job", "new house", "wedding", "graduation", "new baby", "promotion", "engagement", "success",
    ),
    "meal_out": ("lunch", "dinner", "coffee", "breakfast", "a drink", "tea"),
}

# Rules whose alternatives are simply the words of a list.
WORD_LIST_RULES: dict[str, tuple[str, ...]] = {
    "name": FIRST_NAMES,
    "female_name": FEMALE_NAMES,
    "male_name": MALE_NAMES,
    "name_poss": tuple(name + "'s" for name in FIRST_NAMES),
    "female_relative": FEMALE_RELATIVES,
    "male_relative": MALE_RELATIVES,
    "feeling_word": FEELINGS,
    "city": CITIES,
    "country": COUNTRIES,
    "language": LANGUAGES,
    "subject": SUBJECTS,
    "sport": SPORTS,
    "activity": OUTDOOR_ACTIVITIES,
    "hobby_lesson": HOBBY_LESSONS,
    "player": PLAYERS,
    "genre": MUSIC_GENRES,
    "cuisine": CUISINES,
    "color": COLORS,
    "clothing_fit": CLOTHING_FIT,
    "ailment": AILMENTS,
    "medicine_dose": MEDICINE_DOSES,
    "food_staple": FOOD_STAPLES,
    "food_grain": FOOD_STAPLES + BAKING_INGREDIENTS,
    "meal": MEALS,
    "fat": COOKING_FATS,
    "nature_activity": NATURE_ACTIVITIES,
    "food_piece": FOOD_PIECES,
    "food_spread": FOOD_SPREADS,
    "food_other": FOOD_OTHER,
    "food_mass_adj": FOOD_MASS_ADJECTIVES,
    "grain_unit": GRAIN_UNITS,
    "grain_unit_pl": tuple(_plural(u) for u in GRAIN_UNITS),
    "piece_unit": PIECE_UNITS,
    "piece_unit_pl": tuple(_plural(u) for u in PIECE_UNITS),
    "spread_unit": SPREAD_UNITS,
    "spice": SPICES,
    "hot_drink": HOT_DRINKS,
    "cold_drink": COLD_DRINKS,
    "adult_drink": ADULT_DRINKS,
    "hot_drink_unit": HOT_DRINK_UNITS,
    "hot_drink_unit_pl": tuple(_plural(u) for u in HOT_DRINK_UNITS),
    "cold_drink_unit": COLD_DRINK_UNITS,
    "drink_adj": DRINK_ADJECTIVES,
    "weather_adj": WEATHER_ADJECTIVES,
    "weather_mass": WEATHER_MASS,
    "direction": DIRECTIONS,
    "weekday": WEEKDAYS,
    "weekday_pl": WEEKDAYS_PLURAL,
    "month": MONTHS,
    "month_31": MONTHS_WITH_31_DAYS,
    "month_30": MONTHS_WITH_30_DAYS,
    "season": SEASONS,
    "day_period": DAY_PERIODS,
    "holiday": HOLIDAYS,
    "adv_manner": ADVERBS_MANNER,
    "adv_freq": ADVERBS_FREQUENCY,
    "adv_degree": ADVERBS_DEGREE,
    "adv_sentence": ADVERBS_SENTENCE,
    "comparative": COMPARATIVES,
    "superlative": SUPERLATIVES,
    "greeting": GREETINGS,
    "farewell": FAREWELLS,
    "short_reply": SHORT_REPLIES,
    "message": MESSAGES,
    "cutting_step": CUTTING_STEPS,
    "heating_step": HEATING_STEPS,
    "preparing_step": PREPARING_STEPS,
    "digit": DIGITS,
    "hour": HOURS,
    "ordinal_31": ORDINALS_TO_31,
    "ordinal_30": ORDINALS_TO_31[:30],
    "ordinal_29": ORDINALS_TO_31[:29],
    "ordinal_28": ORDINALS_TO_31[:28],
    "year_modern": YEARS_MODERN,
    "year_past": YEARS_PAST,
    "year_historic": YEARS_HISTORIC,
    "year_future": YEARS_FUTURE,
    "nature_inside": NATURE_INSIDE,
    "exclaim_adj": EXCLAMATION_ADJECTIVES,
    "decade_word": DECADES,
    "oven_temperature": OVEN_TEMPERATURES,
    **NUMBER_RANGES,
}


# ===========================================================================
# Grammar assembly
# ===========================================================================

def _verb_table() -> dict[str, tuple[str, ...]]:
    table = {}
    for entry in VERB_FORMS:
        forms = tuple(entry.split())
        if len(forms) != len(VERB_FORM_NAMES):
            raise ValueError(f"verb entry needs {len(VERB_FORM_NAMES)} forms: {entry!r}")
        table[forms[0]] = forms
    return table


_VERB_TABLE = _verb_table()


def _verb_form(verb: str, form: str) -> str:
    """Inflect "wait+for" as e.g. "waited for"; the particle never changes."""
    base, *particles = verb.split("+")
    inflected = _VERB_TABLE[base][VERB_FORM_NAMES.index(form)]
    return " ".join([inflected, *particles])


def _replace_x(alternative, category: str):
    if isinstance(alternative, tuple):
        return (alternative[0].replace("X", category), alternative[1])
    return alternative.replace("X", category)


def _build_grammar() -> dict[str, tuple]:
    rules: dict[str, tuple] = {}

    def add(name: str, alternatives: tuple) -> None:
        if name in rules:
            raise ValueError(f"grammar rule {name!r} defined twice")
        rules[name] = alternatives

    for name, words in WORD_LIST_RULES.items():
        add(name, tuple(dict.fromkeys(words)))

    for cat in NOUN_CATEGORIES:
        source = cat.singulars if cat.plural_source is None else cat.plural_source
        add(f"{cat.name}_sg", tuple(dict.fromkeys(cat.singulars)))
        add(f"{cat.name}_pl", tuple(dict.fromkeys(tuple(_plural(w) for w in source) + cat.plural_only)))
        add(f"{cat.name}_adj", tuple(dict.fromkeys(cat.adjectives)))
        add(f"{cat.name}_attr", tuple(dict.fromkeys(cat.adjectives + cat.attributive)))
        for pattern, alternatives in NOUN_PHRASE_PATTERNS.items():
            add(pattern.replace("X", cat.name), tuple(_replace_x(alt, cat.name) for alt in alternatives))

    for group in VERB_GROUPS:
        for form in VERB_FORM_NAMES:
            verb_rule = f"v_{group.name}_{form}"
            add(verb_rule, tuple(dict.fromkeys(_verb_form(v, form) for v in group.verbs)))
            v, mod = "{" + verb_rule + "}", "{" + group.modifier_rule + "}"
            if group.object_rule is None:
                alternatives = ((v, 2), (f"{v} {mod}", 3), (f"{v} {{adv_manner}}", 2))
            else:
                obj = "{" + group.object_rule + "}"
                alternatives = ((f"{v} {obj}", 4), (f"{v} {obj} {mod}", 2), (f"{v} {obj} {{adv_manner}}", 1))
            add(f"vp_{group.name}_{form}", alternatives)
    for form in VERB_FORM_NAMES:
        add(f"vp_{form}", tuple((f"{{vp_{g.name}_{form}}}", g.weight) for g in VERB_GROUPS))

    for rule, verbs, forms in (
        ("inf", INFINITIVE_VERBS_PRESENT, ("s", "base")),
        ("inf", INFINITIVE_VERBS_PAST, ("past",)),
        ("ditransitive", DITRANSITIVE_VERBS, ("s", "past")),
        ("food_giving", FOOD_GIVING_VERBS, ("past",)),
    ):
        for form in forms:
            add(f"{rule}_{form}", tuple(_verb_form(v, form) for v in verbs))

    for table in (PHRASES, CLAUSES, MISC_RULES):
        for name, alternatives in table.items():
            add(name, alternatives)
    if set(FAMILY_TEMPLATES) != set(FAMILY_WEIGHTS):
        raise ValueError("FAMILY_TEMPLATES and FAMILY_WEIGHTS must name the same families")
    for family, alternatives in FAMILY_TEMPLATES.items():
        add(f"family_{family}", alternatives)
    return rules


GRAMMAR = _build_grammar()

_SLOT = re.compile(r"^\{([a-z0-9_]+)\}$")


class _Rule(NamedTuple):
    alternatives: tuple[tuple, ...]  # each a tuple of tokens: str = word, _Ref = rule
    cum_weights: tuple[float, ...] | None  # None when all weights are equal


class _Ref(NamedTuple):
    name: str


def _compile(grammar: dict[str, tuple]) -> dict[str, _Rule]:
    """Pre-split every alternative into tokens so expansion does no parsing."""
    compiled: dict[str, _Rule] = {}
    for name, alternatives in grammar.items():
        if not alternatives:
            raise ValueError(f"grammar rule {name!r} has no alternatives")
        token_lists, weights = [], []
        for alt in alternatives:
            text, weight = alt if isinstance(alt, tuple) else (alt, 1.0)
            tokens = []
            for token in text.split():
                match = _SLOT.match(token)
                if match:
                    if match.group(1) not in grammar:
                        raise KeyError(f"rule {name!r} refers to unknown rule {match.group(1)!r}")
                    tokens.append(_Ref(match.group(1)))
                elif "{" in token or "}" in token:
                    raise ValueError(f"malformed slot {token!r} in rule {name!r}")
                else:
                    tokens.append(token)
            token_lists.append(tuple(tokens))
            weights.append(float(weight))
        cum = None
        if len(set(weights)) > 1:
            total, cum_list = 0.0, []
            for w in weights:
                total += w
                cum_list.append(total)
            cum = tuple(cum_list)
        compiled[name] = _Rule(tuple(token_lists), cum)
    return compiled


_COMPILED = _compile(GRAMMAR)

# "a" becomes "an" before a vowel sound; spelling alone gets these prefixes wrong
# ("a uniform", "a one way ticket", "an hour").
_VOWEL_LETTER_CONSONANT_SOUND = ("uni", "use", "usu", "uti", "eu", "one", "once")
_SILENT_H = ("hour", "honest", "honor", "heir")


def _takes_an(word: str) -> bool:
    if word.startswith(_SILENT_H):
        return True
    if word.startswith(_VOWEL_LETTER_CONSONANT_SOUND):
        return False
    return word[0] in "aeiou"


def _fix_articles(words: list[str]) -> list[str]:
    for i in range(len(words) - 1):
        if words[i] == "a" and _takes_an(words[i + 1]):
            words[i] = "an"
    return words


def _reachable_rules() -> set[str]:
    seen: set[str] = set()
    stack = [f"family_{family}" for family in FAMILY_WEIGHTS]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        for tokens in _COMPILED[name].alternatives:
            stack.extend(t.name for t in tokens if isinstance(t, _Ref))
    return seen


def vocabulary() -> set[str]:
    """Every word the generator can emit, read off the grammar it expands."""
    words: set[str] = set()
    for name in _reachable_rules():
        for tokens in _COMPILED[name].alternatives:
            words.update(t for t in tokens if isinstance(t, str))
    if "a" in words:
        words.add("an")
    return words


# ===========================================================================
# Text normalisation
# ===========================================================================

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u0060": "'", "\u00b4": "'",
"\u2032": "'"})
_NOT_SPOKEN = re.compile(r"[^a-z' ]+")
_SPACES = re.compile(r" {2,}")


def normalize_spoken(text: str) -> str:
    """Reduce text to the transcript alphabet: lowercase ``a-z``, ``'`` and single spaces.

    Accents are folded first ("café" -> "cafe") so that accented letters are not
    torn out of their words; every other character becomes a space.
    """
    text = text.translate(_APOSTROPHES)
    # casefold rather than lower: "straße" -> "strasse".
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _NOT_SPOKEN.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


# ===========================================================================
# Generator
# ===========================================================================

MIN_WORDS = 3
MAX_WORDS = 18


def _content_words() -> frozenset[str]:
    """Nouns, adjectives and names: a second use in one sentence reads as a glitch."""
    words: set[str] = set()
    for cat in NOUN_CATEGORIES:
        source = cat.singulars if cat.plural_source is None else cat.plural_source
        for phrase in cat.singulars + cat.adjectives + cat.attributive + cat.plural_only:
            words.update(phrase.split())
        for noun in source:
            words.update(_plural(noun).split())
    for phrase in FIRST_NAMES + CITIES + COUNTRIES + MEALS:
        words.update(phrase.split())
    return frozenset(words)


_CONTENT_WORDS = _content_words()


class SentenceGenerator:
    """Deterministic random sentences: the same seed gives the same sequence."""

    families: list[str] = list(FAMILY_WEIGHTS)

    def __init__(self, seed: int = 0):
        self.seed = seed
        self._rng = random.Random(seed)
        self._family_cum: list[float] = []
        total = 0.0
        for family in self.families:
            total += FAMILY_WEIGHTS[family]
            self._family_cum.append(total)

    def _expand(self, name: str, out: list[str]) -> None:
        rule = _COMPILED[name]
        if rule.cum_weights is None:
            tokens = self._rng.choice(rule.alternatives)
        else:
            tokens = rule.alternatives[self._weighted_index(rule.cum_weights)]
        for token in tokens:
            if token.__class__ is str:
                out.append(token)
            else:
                self._expand(token.name, out)

    @staticmethod
    def _acceptable(words: list[str]) -> bool:
        if not MIN_WORDS <= len(words) <= MAX_WORDS:
            return False
        # Reject accidental repeats such as "sarah and sarah", "the lazy cat is
        # lazy" or "from paris to paris".
        content = [w for w in words if w in _CONTENT_WORDS]
        if len(content) != len(set(content)):
            return False
        return all(a != b for a, b in zip(words, words[1:]))

    def _weighted_index(self, cum_weights) -> int:
        # Same draw as random.choices; the upper bound guards against rounding
        # of random() * total up to total itself.
        return bisect.bisect_right(cum_weights, self._rng.random() * cum_weights[-1], 0, len(cum_weights) - 1)

    def sentence_with_family(self) -> tuple[str, str]:
        """One random sentence and the name of the family it was drawn from."""
        family = self.families[self._weighted_index(self._family_cum)]
        words: list[str] = []
        for _ in range(50):
            words = []
            self._expand(f"family_{family}", words)
            if self._acceptable(words):
                break
        return family, " ".join(_fix_articles(words))

    def sentence(self) -> str:
        return self.sentence_with_family()[1]

    def sentences(self, n: int, unique: bool = True) -> list[str]:
        if n < 0:
            raise ValueError(f"n must be non-negative, got {n}")
        if not unique:
            return [self.sentence() for _ in range(n)]
        seen: dict[str, None] = {}
        max_draws = 20 * n + 1000
        for _ in range(max_draws):
            if len(seen) >= n:
                break
            seen.setdefault(self.sentence(), None)
        if len(seen) < n:
            raise ValueError(f"found only {len(seen)} unique sentences out of {n} in {max_draws} draws")
        return list(seen)
