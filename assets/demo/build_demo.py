#!/usr/bin/env python3
"""Build the embedded demo data set of STEPS Studio: skills.csv, topics.txt and corpus.jsonl.

Everything here was written for this project. The corpus is generated from *request archetypes*: each
archetype is a small function that fills a request template with slot values (topics, names, numbers,
code snippets, ...), writes a short answer that really uses the skills it tags, and may add a few optional
skills ("extras"), each of which adds a clause to the request and one sentence to the answer. Archetypes
belong to broad areas (software, data, rhetoric, stories, ...) and their extras are mostly drawn from the
same area, so the skill co-occurrence graph has nested communities, a minority of cross-area bridges and a
long tail of rare combinations.

The script uses only the standard library and a fixed seed; running it twice gives byte-identical files::

    python assets/demo/build_demo.py              # rewrite the files next to this script
    python assets/demo/build_demo.py --out /tmp/d # write them somewhere else
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import random
import sys
from collections import Counter
from pathlib import Path

SEED = 20261122
N_RECORDS = 1500
# Share of records by number of skills: 1 -> 10 %, 2 -> 30 %, 3 -> 30 %, 4 -> 18 %, 5 -> 8 %, 6 -> 4 %.
K_SHARES = {1: 0.10, 2: 0.30, 3: 0.30, 4: 0.18, 5: 0.08, 6: 0.04}
MIN_USES = 3          # every skill appears in at least this many records
MIN_USES_COMMON = 6   # ... and every skill outside LONG_TAIL in at least this many
LONG_TAIL = ("unreliable narrator", "understatement", "hyperbole", "proof by contradiction")

# ---------------------------------------------------------------------------------------------------------
# The skill catalogue: (skill, category, definition, example). One sentence each.
# ---------------------------------------------------------------------------------------------------------

SKILLS: list[tuple[str, str, str, str]] = [
    # rhetorical
    ("persuasion", "rhetorical",
     "Moving a reader or listener toward a belief or action by choosing reasons and wording that matter to them.",
     "A note to the landlord argues that fixing the boiler now costs less than paying for burst pipes in January."),
    ("ethos", "rhetorical",
     "Earning trust by showing the speaker's credibility, experience or good character.",
     "The nurse opens her talk on hand washing by mentioning her twenty years on a surgical ward."),
    ("pathos", "rhetorical",
     "Appealing to the audience's feelings, values or imagination so that an argument is felt as well as understood.",
     "The appeal for the animal shelter describes an old dog waiting by the gate every evening."),
    ("logos", "rhetorical",
     "Appealing to reason with evidence, numbers and a clear chain of inference.",
     "The proposal shows that the new boiler pays for itself in four winters at current gas prices."),
    ("rhetorical question", "rhetorical",
     "Asking a question for effect rather than for an answer, to lead the audience to a conclusion.",
     "Who among us has never missed a bus because the timetable was wrong?"),
    ("rebuttal", "rhetorical",
     "Answering an opposing argument directly and showing where it falls short.",
     "Critics say the park is too expensive, yet its upkeep costs less than the parking lot it replaced."),
    ("call to action", "rhetorical",
     "Ending a message by telling the audience exactly what to do next.",
     "Sign the petition at the library desk before Friday."),
    ("anaphora", "rhetorical",
     "Repeating the same opening words across successive clauses or sentences for rhythm and emphasis.",
     "We will plant on the verges, we will plant in the schoolyards, we will plant wherever there is soil."),
    ("hyperbole", "rhetorical",
     "Deliberate exaggeration used for emphasis or humour, not to be taken literally.",
     "This queue has been here since the invention of the wheel."),
    ("understatement", "rhetorical",
     "Presenting something as smaller or milder than it is, often for irony or restraint.",
     "Losing the server and the backups on the same day was a bit inconvenient."),
    ("framing", "rhetorical",
     "Choosing the angle, words and reference point through which a fact is presented so that it is read a certain way.",
     "Calling the fee 'less than a coffee a week' makes a 12-euro yearly charge feel small."),
    ("concession", "rhetorical",
     "Openly granting a fair point to the other side before explaining why one's position still holds.",
     "It is true that the new route is longer, but it avoids the two most dangerous junctions."),
    ("analogy", "rhetorical",
     "Explaining or arguing by comparing an unfamiliar situation with a familiar one that shares its structure.",
     "A firewall works like a doorman who checks every guest against a list before letting them in."),
    # literary
    ("metaphor", "literary",
     "Describing one thing as if it were another to reveal a shared quality, without using 'like' or 'as'.",
     "The inbox was a swamp she waded through every morning."),
    ("simile", "literary",
     "Comparing two unlike things explicitly with 'like' or 'as'.",
     "The old bus groaned up the hill like a tired ox."),
    ("personification", "literary",
     "Giving human actions, feelings or intentions to objects, animals or ideas.",
     "The kettle sighed and muttered before it finally began to sing."),
    ("foreshadowing", "literary",
     "Planting an early hint of something that will matter later in a story.",
     "Nobody noticed the hairline crack in the dam on the morning of the village fair."),
    ("irony", "literary",
     "A gap between what is said or expected and what is meant or happens.",
     "The fire station burned down during the fire-safety week."),
    ("alliteration", "literary",
     "Repeating the same initial consonant sound in nearby words for music or emphasis.",
     "Brisk breezes battered the bakery's blue blinds."),
    ("vivid imagery", "literary",
     "Using concrete sensory detail so the reader can see, hear, smell, taste or feel a scene.",
     "The market smelled of wet cardboard, crushed mint and frying onions."),
    ("dialogue writing", "literary",
     "Writing conversation between characters that sounds natural and moves the story or reveals character.",
     "'You kept the ticket?' asked Mara, and Jon looked away before he nodded."),
    ("unreliable narrator", "literary",
     "Telling a story through a narrator whose account the reader gradually learns not to trust.",
     "The narrator insists he barely knew the victim, yet he remembers her coffee order and her bus times."),
    ("flashback", "literary",
     "Interrupting the present action of a story to show an earlier event.",
     "Holding the key, she was suddenly nine again, hiding in her grandfather's shed during the storm."),
    ("symbolism", "literary",
     "Letting an object, colour or image stand for a larger idea that recurs through a work.",
     "The locked piano in the hallway stands for the family's unspoken grief."),
    ("rhyme and meter", "literary",
     "Arranging verse so line endings share sounds and syllables follow a regular pattern of stresses.",
     "The rain came down on Tuesday night / and washed the dusty street to white."),
    ("plot structure", "literary",
     "Arranging a story's events into a shape with a setup, rising tension, a turning point and a resolution.",
     "Act one loses the dog, act two searches the city, act three finds it guarding the lost child."),
    ("character development", "literary",
     "Showing how a character's beliefs, wants or behaviour change in response to events.",
     "The shopkeeper who chased children away ends the story teaching them to mend their bikes."),
    ("show don't tell", "literary",
     "Letting actions, details and dialogue reveal feelings or facts instead of stating them outright.",
     "Instead of 'he was nervous', he folded the receipt into smaller and smaller squares."),
    # logical reasoning
    ("deductive reasoning", "logical reasoning",
     "Drawing a conclusion that must be true if the premises are true.",
     "Every ticket in drawer A is for Friday and this ticket came from drawer A, so it is for Friday."),
    ("modus ponens", "logical reasoning",
     "Inferring Q from 'if P then Q' together with P.",
     "If the alarm is set, the light is red; the alarm is set, so the light is red."),
    ("modus tollens", "logical reasoning",
     "Inferring not-P from 'if P then Q' together with not-Q.",
     "If the parcel had arrived, the dog would have barked; the dog did not bark, so the parcel has not arrived."),
    ("statistical syllogism", "logical reasoning",
     "Applying a generalisation that holds for most members of a group to one member, with matching caution.",
     "Most trains on this line run on time, so tomorrow's 8:10 will probably run on time too."),
    ("inductive generalisation", "logical reasoning",
     "Inferring a general rule from a set of observed cases and judging how far the sample supports it.",
     "Every tomato plant on the sunny side fruited early, so sunlight probably speeds up fruiting here."),
    ("abductive reasoning", "logical reasoning",
     "Choosing the most plausible explanation for a set of observations.",
     "The floor is wet, the window is open and it rained overnight, so rain most likely came in through the window."),
    ("counterexample", "logical reasoning",
     "Refuting a general claim by exhibiting one case where it fails.",
     "The claim that all birds fly fails for the penguin."),
    ("necessary and sufficient conditions", "logical reasoning",
     "Distinguishing what must hold for something to be true from what is enough to make it true.",
     "Having a ticket is necessary to board the ferry, but it is not sufficient if you arrive after the gate closes."),
    ("fallacy detection", "logical reasoning",
     "Spotting a flaw in the structure of an argument that makes its conclusion unsupported.",
     "Saying the diet works because a famous actor follows it is an appeal to authority, not evidence."),
    ("false dilemma", "logical reasoning",
     "Recognising or naming an argument that presents only two options when more exist.",
     "'Either we close the library or we raise taxes' ignores shorter opening hours and volunteer staffing."),
    ("slippery slope", "logical reasoning",
     "Recognising an argument that claims one step will inevitably lead to an extreme outcome without showing the links.",
     "Allowing one food truck will not by itself turn the square into a car park."),
    ("truth tables", "logical reasoning",
     "Listing every combination of truth values to evaluate a logical expression.",
     "The table for 'P or Q' is false only in the row where both P and Q are false."),
    ("steelmanning", "logical reasoning",
     "Restating an opposing view in its strongest and fairest form before responding to it.",
     "The best case for keeping the old bridge is that it is the only crossing that does not flood."),
    # theory of mind
    ("false belief reasoning", "theory of mind",
     "Predicting what someone will do from what they believe, even when that belief is out of date or wrong.",
     "Tom did not see his sister move the biscuits, so he will look in the old tin first."),
    ("second-order belief", "theory of mind",
     "Reasoning about what one person thinks another person believes.",
     "Ana thinks that Ben still believes the party is on Saturday, so she will remind him."),
    ("perspective taking", "theory of mind",
     "Describing a situation from another person's point of view, including what they know and care about.",
     "From the bus driver's seat, the passenger who argues about the fare is one delay on a route that is already late."),
    ("empathy", "theory of mind",
     "Recognising and acknowledging another person's feelings in a way that makes them feel understood.",
     "It sounds exhausting to care for your father and work full-time; no wonder you feel stretched."),
    ("intent inference", "theory of mind",
     "Working out what someone is trying to achieve from what they say or do.",
     "A neighbour who asks when you leave for holiday may be offering to water your plants."),
    ("sarcasm detection", "theory of mind",
     "Noticing when someone means the opposite of their literal words.",
     "'Oh great, another meeting about meetings' is a complaint, not enthusiasm."),
    ("emotion recognition", "theory of mind",
     "Identifying the feeling behind words, tone or behaviour.",
     "A reply that is suddenly one word long after weeks of chatty emails may signal hurt or annoyance."),
    ("politeness strategies", "theory of mind",
     "Softening requests, refusals and criticism so the other person keeps face.",
     "Would you mind taking a look at this when you have a moment, no rush at all?"),
    ("de-escalation", "theory of mind",
     "Calming a tense exchange by lowering the temperature rather than winning the point.",
     "I can see this has been frustrating, so let's start with what we both want to fix."),
    ("active listening", "theory of mind",
     "Reflecting back what someone said and asking follow-up questions to show real attention.",
     "So the hardest part is not the work itself but never knowing when the shift ends?"),
    ("reading subtext", "theory of mind",
     "Understanding what is implied but not said outright in a message or conversation.",
     "'I suppose the old version was fine too' suggests the manager prefers the old version."),
    # common sense
    ("physical reasoning", "common sense",
     "Predicting how everyday objects behave under gravity, heat, force, liquids and friction.",
     "A full glass of water on a tray will slosh if you start walking quickly."),
    ("temporal reasoning", "common sense",
     "Reasoning about order, duration and timing of events.",
     "If the cake needs 40 minutes and guests arrive at seven, it must go in the oven by twenty past six."),
    ("spatial reasoning", "common sense",
     "Reasoning about positions, sizes, orientations and whether things fit.",
     "The ladder has to go in diagonally because it is longer than the van is wide."),
    ("cause and effect", "common sense",
     "Linking everyday events to their likely causes and consequences.",
     "The milk went sour because the fridge door was left ajar overnight."),
    ("social etiquette", "common sense",
     "Knowing the customary, considerate way to behave in common social situations.",
     "Bring a small gift and arrive a few minutes after the stated time when invited to dinner."),
    ("safety awareness", "common sense",
     "Noticing hazards in everyday activities and choosing the safe way to act.",
     "Never mix bleach with other cleaners, because some combinations release toxic gas."),
    ("object affordances", "common sense",
     "Seeing what an object can be used for beyond its usual purpose.",
     "A clean sock slipped over a shoe protects a freshly mopped floor."),
    ("plausibility checking", "common sense",
     "Judging whether a claim or result is believable given what is known about the world.",
     "A delivery van that averaged 300 km/h through the city is a typo, not a record."),
    ("household know-how", "common sense",
     "Practical knowledge of cleaning, repairs and running a home.",
     "Bleed the radiators before winter if their tops stay cold while the bottoms are hot."),
    ("kitchen know-how", "common sense",
     "Practical knowledge of cooking, food storage and kitchen tools.",
     "Rest the dough in the fridge so the butter stays cold and the pastry flakes."),
    # mathematics
    ("mental arithmetic", "mathematics",
     "Computing sums, products and differences accurately in one's head or by hand.",
     "Nineteen times six is 120 minus 6, which is 114."),
    ("unit conversion", "mathematics",
     "Converting quantities between units while keeping track of the conversion factors.",
     "Five miles is about 8.05 kilometres because one mile is 1.609 kilometres."),
    ("percentages", "mathematics",
     "Computing and interpreting percentages, percentage changes and percentage points.",
     "A rise from 40 to 50 is a 25 percent increase, not 10 percent."),
    ("ratios and proportions", "mathematics",
     "Scaling quantities that stay in a fixed ratio.",
     "A recipe for four with 300 g of rice needs 450 g for six."),
    ("algebraic equations", "mathematics",
     "Translating a situation into equations with unknowns and solving them.",
     "If two tickets and a 5-euro programme cost 29 euros, each ticket costs 12 euros."),
    ("probability", "mathematics",
     "Quantifying how likely events are and combining those chances correctly.",
     "The chance of two heads in two fair coin flips is one in four."),
    ("combinatorics", "mathematics",
     "Counting arrangements, selections and outcomes systematically.",
     "Three shirts and four trousers give twelve different outfits."),
    ("geometry", "mathematics",
     "Working with lengths, areas, volumes and angles of shapes.",
     "A circular table 1.2 m across has a top of about 1.13 square metres."),
    ("fermi estimation", "mathematics",
     "Reaching a rough order-of-magnitude answer by multiplying a few reasonable guesses.",
     "A city of 500,000 people with one piano per 50 homes of two people has about 5,000 pianos."),
    ("compound interest", "mathematics",
     "Computing how a sum grows when interest is earned on earlier interest.",
     "1,000 euros at 5 percent a year for three years grows to about 1,157.63 euros."),
    ("modular arithmetic", "mathematics",
     "Reasoning with remainders and cycles, as on a clock face or a calendar.",
     "Ten days after a Saturday is a Tuesday because 10 leaves remainder 3 on division by 7."),
    ("proof by induction", "mathematics",
     "Proving a statement for all natural numbers by a base case and a step from n to n + 1.",
     "The sum of the first n odd numbers is n squared: it holds for 1, and adding 2n + 1 to n squared gives (n + 1) squared."),
    ("proof by contradiction", "mathematics",
     "Proving a statement by assuming it is false and deriving something impossible.",
     "If there were a largest even number N, then N + 2 would be a larger even number, which is impossible."),
    # programming
    ("python programming", "programming",
     "Writing correct, idiomatic Python code.",
     "Using a dictionary's get method with a default avoids a KeyError when counting words."),
    ("javascript programming", "programming",
     "Writing correct, idiomatic JavaScript for the browser or Node.",
     "Using const and an arrow function, the click handler reads the form value and updates the total."),
    ("sql queries", "programming",
     "Writing SQL that selects, joins, filters and aggregates data correctly.",
     "A LEFT JOIN keeps customers who have placed no orders yet."),
    ("debugging", "programming",
     "Locating the cause of a program's wrong behaviour from its symptoms and fixing it.",
     "The loop stops one item early because the range ends at len(items) - 1."),
    ("unit testing", "programming",
     "Writing small automated checks that pin down the expected behaviour of a piece of code.",
     "A test asserts that parse_price('3,50') returns 3.5."),
    ("code review", "programming",
     "Reading someone else's change critically and giving specific, actionable comments.",
     "This query runs once per row inside the loop; could we fetch all rows in one call?"),
    ("refactoring", "programming",
     "Restructuring code to make it clearer or easier to change without altering its behaviour.",
     "The three copies of the discount calculation become one function called from each place."),
    ("algorithm design", "programming",
     "Devising a step-by-step procedure that solves a computational problem correctly and efficiently.",
     "Sorting the meetings by start time lets one pass find every overlap."),
    ("big-o analysis", "programming",
     "Estimating how running time or memory grows with input size.",
     "Checking every pair of 10,000 users is about 50 million comparisons, so it is quadratic."),
    ("regular expressions", "programming",
     "Writing patterns that match, extract or validate text.",
     "The pattern \\d{4}-\\d{2}-\\d{2} matches dates like 2024-03-15."),
    ("recursion", "programming",
     "Solving a problem by having a function call itself on smaller versions of the problem.",
     "The size of a folder is its own files plus the size of each subfolder, computed the same way."),
    ("error handling", "programming",
     "Anticipating failures and handling them so the program fails clearly or recovers.",
     "Catching the timeout, the script retries twice and then reports which server did not answer."),
    ("api design", "programming",
     "Designing the endpoints, names, inputs and errors of an interface other programmers will use.",
     "GET /orders/{id} returns 404 with a short message when the order does not exist."),
    ("shell scripting", "programming",
     "Automating command-line tasks with shell scripts.",
     "A for loop over *.jpg with mogrify resizes every photo in the folder."),
    ("git workflow", "programming",
     "Using version control branches, commits and merges to collaborate safely.",
     "Create a branch for the fix, commit with a clear message and open a pull request."),
    ("code documentation", "programming",
     "Writing docstrings, comments and READMEs that tell others what code does and how to use it.",
     "The docstring states the units of each argument and shows one example call."),
    # data analysis
    ("data cleaning", "data analysis",
     "Fixing or removing inconsistent, missing or malformed values before analysis.",
     "Dates written as 03/04 and 2024-04-03 are parsed into one format before grouping by month."),
    ("descriptive statistics", "data analysis",
     "Summarising data with counts, means, medians, spreads and proportions.",
     "The median delivery time is 2 days while the mean is 3.4, pulled up by a few late parcels."),
    ("data visualisation", "data analysis",
     "Choosing and describing the chart that makes a pattern in data easy to see.",
     "A line chart of weekly sales shows the summer dip better than a table of numbers."),
    ("hypothesis testing", "data analysis",
     "Judging whether an observed difference is larger than chance alone would plausibly produce.",
     "With a p-value of 0.31, the difference between the two schools could easily be noise."),
    ("linear regression", "data analysis",
     "Fitting a straight-line relationship between variables and interpreting its slope and fit.",
     "Each extra degree of temperature adds about 14 ice-cream sales a day in this data."),
    ("correlation vs causation", "data analysis",
     "Recognising that two variables moving together does not show that one causes the other.",
     "Towns with more fire engines have more fires because bigger towns have more of both."),
    ("outlier detection", "data analysis",
     "Finding values that sit far from the rest and deciding whether they are errors or real.",
     "A 250-year-old customer in the sign-up table is a data-entry error."),
    ("sampling bias", "data analysis",
     "Noticing when the way data was collected makes it unrepresentative of the population of interest.",
     "An online poll about internet access will overstate how many people are online."),
    ("a/b testing", "data analysis",
     "Comparing two versions by randomly splitting users and measuring the difference in outcomes.",
     "Half the visitors saw the green button and half the blue, and sign-ups were compared after two weeks."),
    ("confidence intervals", "data analysis",
     "Giving a range of plausible values for an estimate together with the confidence level.",
     "The survey puts support at 54 percent, give or take 3 points at 95 percent confidence."),
    ("pivot tables", "data analysis",
     "Summarising a table by grouping rows and aggregating values across categories.",
     "A pivot with regions as rows and months as columns shows total sales per cell."),
    ("time series trends", "data analysis",
     "Separating trend, seasonality and noise in data ordered over time.",
     "Sales rise every December, so compare this December with last December, not with November."),
    ("spreadsheet formulas", "data analysis",
     "Writing spreadsheet formulas that compute, look up and summarise values.",
     "=SUMIF(B:B, \"Food\", C:C) adds up all the food expenses."),
    # writing craft
    ("summarisation", "writing craft",
     "Condensing a text to its main points without distorting them.",
     "The three-page memo comes down to: the office moves in May and parking will be free."),
    ("concision", "writing craft",
     "Saying something in as few words as the meaning allows.",
     "'At this point in time' becomes 'now'."),
    ("tone adjustment", "writing craft",
     "Rewriting a text so it sounds warmer, firmer, more neutral or more playful as the situation needs.",
     "'You forgot the report again' becomes 'Could you send the report when you get a chance today?'"),
    ("audience awareness", "writing craft",
     "Choosing content, vocabulary and detail for the particular readers who will read a text.",
     "For the parents' newsletter, the new timetable is explained by what time children need to be at the gate."),
    ("outlining", "writing craft",
     "Planning a text's sections and their order before drafting.",
     "Introduction, the problem, three options, a recommendation, next steps."),
    ("paraphrasing", "writing craft",
     "Restating a passage in different words while keeping its meaning.",
     "'The venue has reached capacity' can be paraphrased as 'the hall is full'."),
    ("proofreading", "writing craft",
     "Finding and correcting spelling, grammar and punctuation errors.",
     "'Their going to the meeting' is corrected to 'They're going to the meeting'."),
    ("headline writing", "writing craft",
     "Writing a short title that tells readers what a piece is about and makes them want to read it.",
     "Night buses return to the east side from Monday."),
    ("formal register", "writing craft",
     "Writing in the vocabulary and conventions expected in official or professional settings.",
     "'We regret to inform you that the application could not be approved' instead of 'sorry, no'."),
    ("plain language", "writing craft",
     "Writing so that a general reader understands on the first read, with short sentences and everyday words.",
     "'Payment is due within 30 days' instead of 'remittance shall be effected within a period of thirty days'."),
    ("transitions", "writing craft",
     "Linking sentences and paragraphs so the reader follows the logic from one idea to the next.",
     "'Even so, the cost is only half the story' leads from the budget paragraph into the risks."),
    ("active voice", "writing craft",
     "Putting the actor as the subject of the sentence so it is direct and clear.",
     "'Mistakes were made' becomes 'we made mistakes'."),
    ("professional email", "writing craft",
     "Writing a clear work email with a purpose in the first lines, the needed details and a clear ask.",
     "The subject line says 'Invoice 4471 overdue: payment by Friday?' and the body gives the amount and due date."),
    # planning and tool use
    ("task decomposition", "planning and tool use",
     "Breaking a goal into smaller steps that can each be done and checked.",
     "Moving house becomes: book the van, pack room by room, redirect mail, hand in the keys."),
    ("scheduling", "planning and tool use",
     "Placing tasks in time so that dependencies, durations and deadlines all fit.",
     "The paint must dry overnight, so the shelves go up on Sunday rather than Saturday."),
    ("prioritisation", "planning and tool use",
     "Ordering tasks by urgency, importance and effort so the most valuable work happens first.",
     "The broken payment page gets fixed before the new logo because it loses money every hour."),
    ("budgeting", "planning and tool use",
     "Planning how money is allocated across needs, wants and savings within a limit.",
     "Out of 2,000 a month, 900 goes to rent, 400 to food, 300 to savings and the rest to everything else."),
    ("checklist making", "planning and tool use",
     "Turning a procedure into a short list of items that can be ticked off.",
     "Passport, charger, medicine, house keys, tickets."),
    ("risk assessment", "planning and tool use",
     "Identifying what could go wrong, how likely and how bad it would be.",
     "Rain is likely and would ruin the outdoor stage, so it is the top risk for the festival."),
    ("contingency planning", "planning and tool use",
     "Preparing a fallback for when a key part of a plan fails.",
     "If the ferry is cancelled, take the 14:00 train and stay overnight in the port town."),
    ("itinerary planning", "planning and tool use",
     "Arranging travel, sights and rest into a realistic day-by-day plan.",
     "Day one the old town on foot, day two the lake by train, day three a slow morning and the museum."),
    ("tool selection", "planning and tool use",
     "Deciding which tool, service or function is right for each step of a task.",
     "Use the calculator for the loan repayments and the web search for today's exchange rate."),
    ("calculator use", "planning and tool use",
     "Setting up a calculation precisely so a calculator or code gives the right number.",
     "Compute 1250 * (1 + 0.035) ** 4 rather than adding 3.5 percent four times by hand."),
    ("search query formulation", "planning and tool use",
     "Writing search queries that find reliable, relevant sources quickly.",
     "Search 'site:gov.uk passport renewal processing time' instead of 'how long passport'."),
    ("json tool calls", "planning and tool use",
     "Expressing a tool or function call as well-formed JSON with the right argument names and types.",
     "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Lyon\", \"days\": 3}}"),
    # science explanation
    ("mechanism explanation", "science explanation",
     "Explaining how a natural process works step by step, from cause to observable effect.",
     "Salt lowers the freezing point of water, so ice on a salted road melts even below zero."),
    ("experimental design", "science explanation",
     "Planning an experiment that can actually answer a question, with groups, measurements and repetitions.",
     "Grow ten seedlings under each lamp, measure height every two days and repeat with a second batch."),
    ("control variables", "science explanation",
     "Keeping everything except the factor under study the same so that effects can be attributed to it.",
     "Use the same pots, soil and watering so that only the light differs."),
    ("hypothesis formulation", "science explanation",
     "Stating a testable prediction that says what will happen and why.",
     "If caffeine speeds up reactions, then students who drink coffee will catch the ruler faster."),
    ("energy reasoning", "science explanation",
     "Tracking where energy comes from, how it changes form and where it goes.",
     "The pendulum slows because some of its energy turns into heat through air resistance and friction."),
    ("scientific notation", "science explanation",
     "Writing and computing with very large or small numbers as powers of ten.",
     "The Sun is about 1.5 x 10^8 km away."),
    ("balancing chemical equations", "science explanation",
     "Adjusting coefficients so each element has the same number of atoms on both sides of a reaction.",
     "2 H2 + O2 -> 2 H2O has four hydrogens and two oxygens on each side."),
    ("evolutionary reasoning", "science explanation",
     "Explaining traits through variation, inheritance and selection over generations.",
     "Moths on soot-darkened trees were eaten less if they were dark, so dark moths became common."),
    ("systems thinking", "science explanation",
     "Following feedback loops and knock-on effects through a connected system.",
     "Removing the wolves let deer overgraze the riverbanks, which then eroded and changed the river."),
    ("measurement uncertainty", "science explanation",
     "Estimating and reporting how precise a measurement is and what limits it.",
     "Timing a fall with a stopwatch adds about 0.2 seconds of reaction-time error."),
    ("citing evidence", "science explanation",
     "Backing a claim with the kind of evidence that supports it and saying how strong it is.",
     "Several large randomised trials, not one small survey, support that advice."),
    # teaching
    ("explaining to a novice", "teaching",
     "Explaining an idea to someone new to it, starting from what they already know and avoiding jargon.",
     "A variable is a labelled box where the program keeps a value so it can use it later."),
    ("socratic questioning", "teaching",
     "Guiding a learner to an insight through a sequence of questions instead of telling them.",
     "What happens to the shadow when the torch moves closer, and why might that be?"),
    ("worked example", "teaching",
     "Solving a typical problem step by step so the learner can follow and imitate the method.",
     "Step 1: write 15 percent as 0.15; step 2: multiply 0.15 by 80; step 3: the tip is 12."),
    ("scaffolding", "teaching",
     "Giving temporary support, such as hints or partial solutions, and removing it as the learner progresses.",
     "First fill in the blanks of the loop, then write the next loop with only the first line given."),
    ("quiz writing", "teaching",
     "Writing questions that check understanding, with clear answers and plausible wrong options.",
     "Which of these is not a prime: 2, 9, 11 or 13?"),
    ("learning objectives", "teaching",
     "Stating what learners should be able to do by the end of a lesson, in observable terms.",
     "By the end, students can calculate the area of any triangle given its base and height."),
    ("misconception correction", "teaching",
     "Identifying a common wrong belief and replacing it with the right idea and the reason.",
     "Heavier objects do not fall faster in a vacuum; air resistance caused the difference you saw."),
    ("feedback on student work", "teaching",
     "Commenting on a learner's work with what works, what to fix and how to improve.",
     "Your method is right; check step 3, where 7 times 8 became 54."),
    ("mnemonic devices", "teaching",
     "Creating memory aids such as acronyms, rhymes or images to help recall.",
     "'Never Eat Soggy Waffles' gives the compass points clockwise from north."),
    ("lesson planning", "teaching",
     "Designing a lesson's sequence of activities, timing and materials toward its objectives.",
     "Ten minutes of warm-up questions, twenty of pair work, ten of whole-class discussion, five of exit questions."),
    ("check for understanding", "teaching",
     "Asking a quick question or task that reveals whether the learner has actually understood.",
     "Before we go on, can you tell me in your own words why we carried the one?"),
]

# ---------------------------------------------------------------------------------------------------------
# Everyday topics (used in stories, summaries, plans and persuasion, and written to topics.txt).
# ---------------------------------------------------------------------------------------------------------

TOPICS: list[str] = [
    "urban gardening", "train delays", "remote work", "school lunches", "bike lanes", "public libraries",
    "recycling at home", "noisy neighbours", "a four-day work week", "screen time for children",
    "community gardens", "electric scooters", "plastic packaging", "local bakeries", "street parking",
    "homework", "dog parks", "tap water", "night buses", "rooftop solar panels", "learning a language as an adult",
    "second-hand clothes", "food waste", "open-plan offices", "a village festival", "the weekly farmers' market",
    "rainy summers", "a lost cat", "moving to a new city", "grandparents and smartphones", "cycling to work",
    "a neighbourhood book swap", "tidying a garage", "the school choir", "a broken lift in a tower block",
    "a power cut", "a family road trip", "a first job interview", "running a marathon", "board game nights",
    "a flooded basement", "the corner shop closing", "houseplants", "a snow day", "keeping bees",
    "a wedding toast", "car sharing", "a charity bake sale", "late-night takeaways", "a camping weekend",
    "fixing an old bicycle", "a new puppy", "the night shift", "a leaking roof", "a school science fair",
    "a football club for girls", "a quiet carriage on the train", "a missed flight", "a street party",
    "birdwatching", "composting", "a neighbourhood clean-up", "a birthday surprise", "the village bus service",
    "a hospital waiting room", "a museum late opening", "an allotment waiting list", "the first day at school",
]

# ---------------------------------------------------------------------------------------------------------
# Generation machinery
# ---------------------------------------------------------------------------------------------------------

SKILL_NAMES = [s[0] for s in SKILLS]
SKILL_SET = set(SKILL_NAMES)
MAX_EXTRAS = 5

NAMES = ["Amira", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kemi", "Luca",
         "Maya", "Nils", "Olga", "Pavel", "Quinn", "Rosa", "Sami", "Tariq", "Uma", "Viktor", "Wen", "Yusuf",
         "Zoe", "Aiko", "Bruno", "Carmen", "Daniel", "Esther", "Felix", "Hana", "Igor", "Julia", "Kofi", "Lena",
         "Marco", "Nadia", "Omar", "Priya", "Rafael", "Sofia", "Tom", "Vera", "Will", "Ximena", "Yara", "Zain"]


class Skip(Exception):
    """The archetype cannot produce a record with the requested number of skills (or the forced skill)."""


class Gen:
    """Seeded random choices used by every archetype."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def pick(self, seq):
        return seq[self.rng.randrange(len(seq))]

    def sample(self, seq, n):
        return self.rng.sample(list(seq), n)

    def randint(self, a, b):
        return self.rng.randint(a, b)

    def chance(self, p):
        return self.rng.random() < p

    def shuffle(self, seq):
        self.rng.shuffle(seq)

    def name(self, *avoid):
        while True:
            n = self.pick(NAMES)
            if n not in avoid:
                return n

    def choose(self, base, options, k, force=None, max_extras=MAX_EXTRAS):
        """Choose ``k - len(base)`` extra skills from ``options`` ({skill: weight}), keeping their order.

        Raises :class:`Skip` when that number is impossible or ``force`` cannot be included.
        """
        base = list(base)
        n = k - len(base)
        opts = [s for s in options if s not in base]
        if n < 0 or n > min(len(opts), max_extras):
            raise Skip
        chosen: list[str] = []
        if force is not None and force not in base:
            if force not in opts or n == 0:
                raise Skip
            chosen.append(force)
        pool = [s for s in opts if s not in chosen]
        while len(chosen) < n:
            total = sum(options[s] for s in pool)
            x = self.rng.random() * total
            for s in pool:
                x -= options[s]
                if x <= 0:
                    break
            chosen.append(s)
            pool.remove(s)
        order = {s: i for i, s in enumerate(opts)}
        return sorted(chosen, key=order.__getitem__)


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def join_and(items) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def ask_more(g: Gen, phrases) -> str:
    """Turn extra request phrases (imperative verb phrases) into one natural sentence."""
    phrases = [p for p in phrases if p]
    if not phrases:
        return ""
    body = join_and(phrases)
    form = g.pick(["Please also {x}.", "Also, {x}.", "Could you also {x}?", "While you're at it, {x}.",
                   "And please {x}.", "If you can, {x} too."])
    return form.format(x=body)


def finish(g: Gen, base, extras: dict, k: int, force=None, weights=None):
    """Common case: base skills plus extras given as {skill: (request phrase, answer sentence)}.

    Returns (skills, request tail, answer tail).
    """
    options = {s: (weights or {}).get(s, 1.0) for s in extras}
    chosen = g.choose(base, options, k, force)
    tail_q = ask_more(g, [extras[s][0] for s in chosen])
    tail_a = " ".join(extras[s][1] for s in chosen)
    return list(base) + chosen, tail_q, tail_a


def glue(*parts) -> str:
    """Join text parts with spaces, or with a newline after a code block."""
    out = ""
    for p in parts:
        if not p or not p.strip():
            continue
        p = p.strip()
        if not out:
            out = p
        elif out.endswith("```"):
            out += "\n" + p
        else:
            out += " " + p
    return out


def with_code(text: str, code: str, lang: str) -> str:
    """Append a fenced code block to a request."""
    return text + "\n```" + lang.lower() + "\n" + code + "\n```"


ARCHETYPES: list[tuple[object, str, float]] = []


def archetype(area: str, weight: float = 1.0):
    """Register an archetype ``f(g, k, force) -> (user, answer, skills)`` under a broad area."""
    def deco(f):
        ARCHETYPES.append((f, area, weight))
        return f
    return deco


def fmt_num(x: float, nd: int = 2) -> str:
    """Format a number without trailing zeros, with thousands separators."""
    if abs(x - round(x)) < 1e-9:
        return f"{int(round(x)):,}"
    s = f"{x:,.{nd}f}".rstrip("0").rstrip(".")
    return s


def money(x: float, cur: str = "€") -> str:
    if abs(x - round(x)) < 1e-9:
        return f"{cur}{int(round(x)):,}"
    return f"{cur}{x:,.2f}"


# =========================================================================================================
# Area: software
# =========================================================================================================

LANG_SKILL = {"Python": "python programming", "JavaScript": "javascript programming", "SQL": "sql queries"}

BUGS = [
    dict(lang="Python", code="def average(nums): return sum(nums) / len(nums)",
         symptom="crashes with ZeroDivisionError when the list is empty",
         cause="it divides by len(nums) even when the list has no items, so the divisor is zero",
         fix="Check `if not nums:` first and return None (or raise a ValueError with a clear message) before dividing.",
         test="A test like `assert average([]) is None` next to `assert average([2, 4]) == 3` pins down both cases.",
         novice="An average means sharing a total equally among the items, and with no items there is nobody to share with, so Python refuses to divide by zero.",
         handling="If an empty list is a caller's mistake, raise `ValueError('average() needs at least one number')` so the message says what went wrong.",
         doc="The docstring should say what happens for an empty list, for example 'Returns None if nums is empty.'",
         analogy="It is like asking how many slices each guest gets when no guests came: the question has no sensible answer."),
    dict(lang="Python", code="def add_item(item, basket=[]): basket.append(item); return basket",
         symptom="keeps items from earlier calls, so every new basket already contains old things",
         cause="the default list is created once when the function is defined and is shared by every call",
         fix="Use `basket=None` and create a fresh list inside with `if basket is None: basket = []`.",
         test="Call it twice in a test, `add_item('a')` then `add_item('b')`, and assert the second result is `['b']`.",
         novice="Python builds the default basket only once, so every call that relies on the default is filling the same basket.",
         handling=None,
         doc="Mention in the docstring that a new list is returned when no basket is given.",
         analogy="It is like a shop that hands every customer the same shared trolley instead of a new one."),
    dict(lang="Python", code="for i in range(1, len(scores)): total += scores[i]",
         symptom="gives a total that is always a bit too small",
         cause="the range starts at 1, so the first score at index 0 is never added",
         fix="Loop over the values directly with `for s in scores: total += s`, or simply use `total = sum(scores)`.",
         test="A test with `scores = [5, 1, 1]` expecting 7 fails on the old code, because it returns 2.",
         novice="Python counts positions from 0, so starting at 1 skips the very first item in the list.",
         handling=None,
         doc="A one-line comment is unnecessary once you use `sum(scores)`, because the code then says exactly what it does.",
         analogy="It is like counting the people in a queue but starting with the second person."),
    dict(lang="Python", code='age = input("Age: ")\nif age > 17: print("adult")',
         symptom="raises TypeError: '>' not supported between instances of 'str' and 'int'",
         cause="input() always returns text, and Python will not compare the text '20' with the number 17",
         fix="Convert first with `age = int(input('Age: '))` before comparing.",
         test="Move the check into a function `is_adult(age: int)` and test it with 17 and 18 so the boundary is covered.",
         novice="What the user types arrives as letters on a page, and you have to turn those letters into a number before you can ask whether it is bigger than 17.",
         handling="Wrap the conversion in `try: ... except ValueError:` and ask again when someone types 'twenty' instead of 20.",
         doc="Say in a comment that the input is validated as a whole number of years.",
         analogy="It is like comparing the word 'twenty' with the number 17 on a scale: you have to translate before you can weigh."),
    dict(lang="Python", code="for x in items:\n    if x < 0: items.remove(x)",
         symptom="leaves some negative numbers in the list",
         cause="removing an element shifts the rest left while the loop's position moves on, so the element after each removed one is skipped",
         fix="Build a new list instead: `items = [x for x in items if x >= 0]`.",
         test="Use the input `[-1, -2, 3]` in a test: the old loop leaves `[-2, 3]`, the fixed version gives `[3]`.",
         novice="The loop walks along the list by position, and when you pull an item out everything slides one place, so the loop steps over the next one.",
         handling=None,
         doc="A short comment saying 'keep non-negative values' makes the intent of the comprehension obvious.",
         analogy="It is like reading a numbered queue while people leave it: everyone shuffles forward and you miss the person who just moved into the gap."),
    dict(lang="Python", code="percent = done // total * 100",
         symptom="prints 0 percent until the job is completely finished",
         cause="`//` is floor division, so `done // total` is 0 whenever done is smaller than total",
         fix="Use true division and round at the end: `percent = round(done / total * 100)`.",
         test="Assert that `progress(1, 4)` returns 25; the old code returns 0.",
         novice="The double slash throws away everything after the decimal point, and 1 divided by 4 is 0.25, which becomes 0 before you multiply.",
         handling="Guard against `total == 0` as well, because a job with no steps would otherwise crash.",
         doc="Document that the function returns a whole-number percentage between 0 and 100.",
         analogy=None),
    dict(lang="Python", code='if status is "done": archive(task)',
         symptom="sometimes archives tasks and sometimes silently does nothing",
         cause="`is` checks whether two names point to the same object in memory, not whether two strings are equal",
         fix='Compare values with `==`: `if status == "done":`.',
         test="Build the status from pieces in a test, for example `''.join(['do', 'ne'])`, which exposes the `is` bug reliably.",
         novice="`is` asks 'is this the very same thing?' while `==` asks 'do these look the same?', and two copies of the word 'done' can be different things that look the same.",
         handling=None,
         doc="No comment is needed once the comparison uses `==`.",
         analogy="It is like asking whether two people hold the same book by checking whether they are holding one physical copy."),
    dict(lang="Python", code="counts = {}\nfor w in words: counts[w] += 1",
         symptom="fails with KeyError on the very first word",
         cause="`counts[w] += 1` reads the old value first, and a new word has no value yet",
         fix="Use `counts[w] = counts.get(w, 0) + 1`, or `collections.Counter(words)`.",
         test="A test with `['a', 'b', 'a']` should give `{'a': 2, 'b': 1}`.",
         novice="The dictionary has never seen the word before, so asking for its current count is like looking up a name that is not in the phone book.",
         handling=None,
         doc="A docstring line such as 'Returns a mapping from word to number of occurrences' helps callers.",
         analogy="It is like adding a tally mark on a sheet that has no row for that word yet."),
    dict(lang="Python", code="def countdown(n):\n    print(n)\n    countdown(n - 1)",
         symptom="prints numbers below zero and then dies with RecursionError",
         cause="the function has no base case, so it keeps calling itself forever",
         fix="Stop when you reach zero: `if n < 0: return` before the recursive call.",
         test="Capture the output in a test and assert that `countdown(3)` prints 3, 2, 1, 0 and then stops.",
         novice="A function that calls itself needs a rule for when to stop, otherwise it is a staircase with no bottom step.",
         handling=None,
         doc="The docstring should state that n must be a non-negative integer.",
         analogy="It is like a set of nesting dolls with no smallest doll: you would keep opening forever."),
    dict(lang="Python", code='times = ["9:30", "10:15", "8:45"]\ntimes.sort()',
         symptom='puts "10:15" before "8:45" and "9:30"',
         cause='the times are sorted as text, character by character, and "1" comes before "8" and "9"',
         fix="Sort with a numeric key: `times.sort(key=lambda t: tuple(map(int, t.split(':'))))`, or store datetime.time objects.",
         test='Assert that the sorted result of the three example times is `["8:45", "9:30", "10:15"]`.',
         novice="The computer compares text letter by letter like a dictionary does, so it never realises that 10 is bigger than 9.",
         handling="If some entries might be malformed, such as '9h30', catch the ValueError from int() and report the bad entry.",
         doc="Add a comment that times are 'H:MM' strings in 24-hour format.",
         analogy=None),
    dict(lang="JavaScript", code="const data = fetch(url); console.log(data.items);",
         symptom="logs undefined even though the URL returns JSON",
         cause="fetch returns a Promise, not the data, so `data.items` is read before the response has arrived",
         fix="Await it: `const res = await fetch(url); const data = await res.json();` inside an async function.",
         test="In a test, mock fetch to resolve with `{items: [1]}` and assert that the function resolves to `[1]`.",
         novice="fetch hands you a receipt for data that is still on its way, and you have to wait for the delivery before you can open the box.",
         handling="Check `res.ok` and wrap the call in try/catch, so a 500 error or a dropped connection shows a message instead of a blank page.",
         doc="Write a JSDoc comment saying the function is async and what shape of object it resolves to.",
         analogy="It is like reading a letter the moment you post the request for it."),
    dict(lang="JavaScript", code="for (var i = 0; i < 3; i++) setTimeout(() => console.log(i), 100);",
         symptom="prints 3, 3, 3 instead of 0, 1, 2",
         cause="`var` creates one variable shared by all iterations, and by the time the timers fire the loop has finished and i is 3",
         fix="Declare the counter with `let`, which gives each iteration its own i.",
         test="Collect the values in an array instead of logging and assert it equals `[0, 1, 2]` after the timers run.",
         novice="All three timers are looking at the same whiteboard, and by the time they read it the loop has already written 3 on it.",
         handling=None,
         doc="A comment is not needed once `let` is used; it is the idiomatic form.",
         analogy="It is like three people agreeing to read the scoreboard later and all seeing the final score."),
    dict(lang="JavaScript", code="const total = priceInput.value + taxInput.value;",
         symptom='shows "105" instead of 15 when the inputs are 10 and 5',
         cause="input values are strings, so `+` joins them as text instead of adding numbers",
         fix="Convert first: `Number(priceInput.value) + Number(taxInput.value)`.",
         test="Test a small `addAmounts('10', '5')` helper and expect 15.",
         novice="The boxes on a web page always hand back text, and adding two pieces of text glues them together.",
         handling="Check `Number.isNaN` on the converted values and show 'please enter a number' when someone types letters.",
         doc="Name the helper clearly and note in a comment that both arguments may be strings from form fields.",
         analogy=None),
    dict(lang="JavaScript", code="[10, 9, 100].sort()",
         symptom="returns [10, 100, 9]",
         cause="sort() compares elements as strings by default",
         fix="Pass a comparator: `arr.sort((a, b) => a - b)`.",
         test="Assert that sorting `[10, 9, 100]` gives `[9, 10, 100]`.",
         novice="Without instructions, JavaScript sorts numbers as if they were words in a dictionary, and '100' starts with '1'.",
         handling=None,
         doc="Comment that the comparator sorts ascending numerically.",
         analogy="It is like shelving books by the first letter of the price tag instead of by the price."),
    dict(lang="JavaScript", code="const doubled = nums.map(x => { x * 2 });",
         symptom="gives an array full of undefined",
         cause="with curly braces the arrow function has a block body and needs an explicit return",
         fix="Drop the braces, `nums.map(x => x * 2)`, or write `{ return x * 2; }`.",
         test="Assert that doubling `[1, 2]` gives `[2, 4]`.",
         novice="Curly braces turn the arrow into a mini-function that returns nothing unless you say return.",
         handling=None,
         doc="No comment is needed; the concise arrow form is clear.",
         analogy=None),
    dict(lang="JavaScript", code="let total; items.forEach(i => total += i.price);",
         symptom="ends with NaN instead of the sum",
         cause="total starts as undefined, and undefined plus a number is NaN",
         fix="Start at zero, `let total = 0;`, or use `items.reduce((s, i) => s + i.price, 0)`.",
         test="A test with two items priced 2 and 3 should give 5, and an empty list should give 0.",
         novice="The counter begins empty rather than at zero, and adding a number to 'nothing' gives 'not a number'.",
         handling=None,
         doc="Comment that prices are in cents to avoid rounding surprises.",
         analogy="It is like adding to a running score without writing 0 at the top of the score sheet."),
    dict(lang="SQL", code="SELECT * FROM products WHERE discount = NULL;",
         symptom="returns no rows even though many products have no discount",
         cause="NULL is not equal to anything, not even NULL, so `= NULL` is never true",
         fix="Use `WHERE discount IS NULL`.",
         test="A test fixture with one discounted and one undiscounted product should return exactly the second one.",
         novice="In SQL, NULL means 'unknown', and the database will not claim that an unknown equals anything.",
         handling=None,
         doc="A comment in the query saying 'products with no discount set' saves the next reader a moment.",
         analogy="It is like asking whether an unopened envelope contains the same amount as another unopened envelope: nobody can say yes."),
    dict(lang="SQL", code="SELECT c.name, COUNT(o.id) FROM customers c LEFT JOIN orders o ON o.customer_id = c.id WHERE o.status = 'paid' GROUP BY c.name;",
         symptom="drops customers who have no orders, even though it is a LEFT JOIN",
         cause="the WHERE condition on o.status removes the rows where o is NULL, which turns the left join into an inner join",
         fix="Move the filter into the join: `LEFT JOIN orders o ON o.customer_id = c.id AND o.status = 'paid'`.",
         test="Check with a fixture customer who has no orders: the fixed query returns them with a count of 0.",
         novice="The join first keeps everyone, but the WHERE line then throws away anyone without a paid order, including people with no orders at all.",
         handling=None,
         doc="Add a comment explaining why the status filter lives in the ON clause.",
         analogy=None),
    dict(lang="SQL", code="SELECT region, product, SUM(amount) FROM sales GROUP BY region;",
         symptom="fails with an error saying product must appear in the GROUP BY clause",
         cause="each output row is one region, so the database cannot pick a single product for it",
         fix="Either group by both, `GROUP BY region, product`, or drop product from the select list.",
         test="A fixture with two products in one region should give two rows after the fix.",
         novice="You asked for one line per region but also for 'the' product, and a region has many products, so the database does not know which one to show.",
         handling=None,
         doc="Note in a comment which level the totals are at (per region and product).",
         analogy=None),
]


@archetype("software", 3.0)
def a_debug(g: Gen, k: int, force=None):
    b = g.pick(BUGS)
    lang = b["lang"]
    q = g.pick([
        "My {lang} code {symptom}. What's wrong?",
        "Can you find the bug? This {lang} snippet {symptom}.",
        "{name} wrote this {lang} and it {symptom}. How do we fix it?",
        "This bit of {lang} {symptom} and I can't see why.",
        "Our {lang} {symptom}. Any idea what the problem is?",
    ]).format(lang=lang, symptom=b["symptom"], name=g.name())
    a = f"The bug is that {b['cause']}. {b['fix']}"
    extras = {"unit testing": ("add a test that would have caught it", b["test"]),
              "explaining to a novice": (g.pick(["explain it so a beginner would follow", "explain it simply (I'm new to this)"]), b["novice"]),
              "code documentation": ("say how I should document the fixed version", b["doc"])}
    w = {"unit testing": 3, "explaining to a novice": 2, "code documentation": 1}
    if b["handling"]:
        extras["error handling"] = ("make it fail gracefully on bad input", b["handling"])
        w["error handling"] = 3
    if b["analogy"]:
        extras["analogy"] = ("give me an analogy for why it happens", b["analogy"])
        w["analogy"] = 0.6
    skills, tq, ta = finish(g, ["debugging", LANG_SKILL[lang]], extras, k, force, w)
    return with_code(glue(q, tq), b["code"], lang), glue(a, ta), skills


DEBUG_SCENARIOS = [
    dict(s="a bug that only shows up on Fridays in our payroll script",
         plan="Start by finding what is different on Fridays: the data (weekly batches), the date logic (week boundaries) or the schedule (a second job running at the same time).",
         hyp="My first hypothesis would be that a date calculation crosses a week boundary, which I would test by running the script with the clock set to a Friday on a copy of the data.",
         steps="Break it down into reproducing it, narrowing it to one input, finding the line, fixing and adding a regression test.",
         check="Keep a checklist: exact error message, input file, time of run, version deployed, and whether it happens on a copy.",
         git="If it started recently, `git bisect` between the last good and first bad release will find the commit in a few steps."),
    dict(s="our web app becoming slow after last week's release",
         plan="Compare timings of the main pages before and after the release and profile the slowest request to see where the time goes.",
         hyp="A likely hypothesis is a new database query inside a loop, which the profiler or the query log would show as hundreds of similar queries per page.",
         steps="Split the work into measuring, locating the slow layer (browser, server or database), finding the change and confirming the fix with the same measurement.",
         check="Note for each test the page, the time, the number of queries and the release version so the comparison is fair.",
         git="Since you know the good and bad releases, `git bisect` with a timing script as the test will point to the commit."),
    dict(s="code that works on my laptop but fails on the server",
         plan="List what differs between the two machines: language version, installed packages, environment variables, file paths and permissions.",
         hyp="My first guess would be a missing environment variable or a different library version, which printing both environments side by side would confirm.",
         steps="Go step by step: reproduce on the server, capture the full error, diff the environments, change one thing at a time.",
         check="Check off Python version, package lock file, config values, file paths and user permissions one by one.",
         git="Make sure the server really runs the commit you think it does: compare `git rev-parse HEAD` on both."),
    dict(s="a test that fails randomly about one run in ten",
         plan="Random failures usually come from shared state, timing or randomness, so run the test in a loop and record which runs fail and what differs.",
         hyp="I would hypothesise that the test depends on the order of other tests or on the clock, and test that by running it alone and with a fixed seed.",
         steps="Break it into: make it fail on demand, isolate the shared state or timer, remove the dependency, then run it a hundred times to confirm.",
         check="Log for each failing run the seed, the test order and the timestamp.",
         git="If it used to be stable, bisecting with a script that runs the test fifty times will find when the flakiness arrived."),
    dict(s="totals in our monthly report that don't match the dashboard",
         plan="Take one month and one region and compute the number by hand from the raw data, then see which of the two tools agrees with you.",
         hyp="A good first hypothesis is that the two use different filters, for example refunds or time zones at the month boundary.",
         steps="Narrow the gap down: by month, then by region, then by day until a handful of rows explain the difference.",
         check="Write down for both tools the date range, time zone, currency and which statuses are counted.",
         git="If the report code changed recently, look at `git log -p` for the query files to see what filter moved."),
    dict(s="a mobile app that crashes only for some users",
         plan="Group the crash reports by device, operating system version and app version to find what the affected users share.",
         hyp="If the crashes cluster on one OS version, my hypothesis would be an API that behaves differently there, which an emulator with that version can confirm.",
         steps="Split it into collecting reports, finding the common factor, reproducing on that setup and then fixing.",
         check="For each report capture device, OS, app version, last screen visited and the stack trace.",
         git="Tag each release in git so you can map a crash's app version straight to the code that shipped."),
]


@archetype("software", 0.8)
def a_debug_strategy(g: Gen, k: int, force=None):
    s = g.pick(DEBUG_SCENARIOS)
    q = g.pick(["How should I approach {s}?", "What's a good way to track down {s}?",
                "I'm stuck on {s}. Where do I start?"]).format(s=s["s"])
    a = s["plan"]
    extras = {"hypothesis formulation": ("tell me what hypothesis to test first", s["hyp"]),
              "task decomposition": ("break the work into steps", s["steps"]),
              "checklist making": ("give me a checklist of things to record", s["check"]),
              "git workflow": ("say how git can help", s["git"])}
    skills, tq, ta = finish(g, ["debugging"], extras, k, force,
                            {"hypothesis formulation": 1.5, "task decomposition": 2, "checklist making": 1, "git workflow": 1.5})
    return glue(q, tq), glue(a, ta), skills


FUNCTIONS = [
    dict(lang="Python", task="returns the n most common words in a text",
         code="from collections import Counter\ndef top_words(text, n):\n    return Counter(text.lower().split()).most_common(n)",
         extra_skills=[], bigo="Counting is linear in the number of words and most_common sorts the distinct words, so it is O(w + u log u) for w words and u distinct ones.",
         test="A test such as `assert top_words('a b a', 1) == [('a', 2)]` checks the basic case.",
         handling="Raise a ValueError if n is negative, and return an empty list for empty text.",
         doc="A docstring should say that words are split on whitespace and lower-cased, and that ties keep first-seen order.",
         novice="Counter does the tallying for you: it goes through the words once and keeps a count for each, and most_common hands back the biggest counts."),
    dict(lang="Python", task="checks whether a phrase is a palindrome, ignoring spaces, punctuation and case",
         code="def is_palindrome(text):\n    s = ''.join(c.lower() for c in text if c.isalnum())\n    return s == s[::-1]",
         extra_skills=[], bigo="It makes one pass to clean the text and one to reverse it, so it is O(n) in the length of the phrase.",
         test="Test it with 'Never odd or even' (True) and 'Hello' (False).",
         handling=None,
         doc="Document that non-alphanumeric characters are ignored and that an empty string counts as a palindrome.",
         novice="First it throws away everything that is not a letter or digit and lowers the case, then it checks whether the cleaned text reads the same backwards."),
    dict(lang="Python", task="removes duplicates from a list but keeps the original order",
         code="def dedupe(items):\n    return list(dict.fromkeys(items))",
         extra_skills=[], bigo="dict.fromkeys walks the list once with constant-time lookups, so it is O(n), much better than checking `if x not in result` which is O(n^2).",
         test="Assert that `dedupe([3, 1, 3, 2, 1])` returns `[3, 1, 2]`.",
         handling="It needs hashable items; for lists of lists, convert each inner list to a tuple or raise a TypeError with a hint.",
         doc="Say in the docstring that the first occurrence of each item is kept.",
         novice="A dictionary can hold each key only once and remembers insertion order, so turning the list into dictionary keys and back drops the repeats."),
    dict(lang="Python", task="extracts every email address from a block of text",
         code="import re\ndef find_emails(text):\n    return re.findall(r'[\\w.+-]+@[\\w-]+\\.[\\w.-]+', text)",
         extra_skills=["regular expressions"], bigo="The regex engine scans the text once for this simple pattern, so it runs in roughly linear time.",
         test="Test a sentence containing 'ana@example.org' and 'not-an-email@' and expect only the first.",
         handling=None,
         doc="Document that the pattern is deliberately loose and may accept some invalid addresses.",
         novice="The pattern says: some letters, dots or plus signs, then an @, then a domain with at least one dot, and findall returns every stretch of text that fits."),
    dict(lang="Python", task="checks that a string is a valid 24-hour time such as 09:45",
         code="import re\ndef is_time(s):\n    return re.fullmatch(r'([01]\\d|2[0-3]):[0-5]\\d', s) is not None",
         extra_skills=["regular expressions"], bigo="Matching a fixed five-character pattern takes constant time.",
         test="Assert True for '00:00' and '23:59' and False for '24:00' and '9:5'.",
         handling="If the input may not be a string, check `isinstance(s, str)` first and return False.",
         doc="Note in the docstring that single-digit hours like '9:45' are rejected on purpose.",
         novice="The hour part allows 00 to 19 or 20 to 23, the minutes allow 00 to 59, and fullmatch insists the whole string fits."),
    dict(lang="Python", task="flattens a list that may contain nested lists to any depth",
         code="def flatten(items):\n    out = []\n    for x in items:\n        out.extend(flatten(x) if isinstance(x, list) else [x])\n    return out",
         extra_skills=["recursion"], bigo="Every element is visited once, so it is O(n) in the total number of elements, plus recursion depth equal to the nesting depth.",
         test="Assert that `flatten([1, [2, [3, 4]], 5])` returns `[1, 2, 3, 4, 5]`.",
         handling="For extremely deep nesting, Python's recursion limit raises RecursionError, so switch to an explicit stack if such input is possible.",
         doc="The docstring should say that only lists are flattened, not tuples or strings.",
         novice="When the function meets a list inside the list, it calls itself on that smaller list and adds whatever comes back, until only plain items remain."),
    dict(lang="Python", task="merges two already sorted lists into one sorted list",
         code="def merge(a, b):\n    i = j = 0; out = []\n    while i < len(a) and j < len(b):\n        if a[i] <= b[j]: out.append(a[i]); i += 1\n        else: out.append(b[j]); j += 1\n    return out + a[i:] + b[j:]",
         extra_skills=["algorithm design"], bigo="Each element is appended once, so it is O(n + m), better than concatenating and sorting in O((n + m) log(n + m)).",
         test="Test with `merge([1, 4], [2, 3, 5])` and with one empty list.",
         handling=None,
         doc="Document that both inputs must already be sorted ascending.",
         novice="Two pointers walk along both lists and always take the smaller front item, like merging two sorted piles of exam papers."),
    dict(lang="Python", task="finds the position of a value in a sorted list, or -1 if it is missing",
         code="def find(xs, target):\n    lo, hi = 0, len(xs) - 1\n    while lo <= hi:\n        mid = (lo + hi) // 2\n        if xs[mid] == target: return mid\n        if xs[mid] < target: lo = mid + 1\n        else: hi = mid - 1\n    return -1",
         extra_skills=["algorithm design"], bigo="Binary search halves the range each step, so it is O(log n): a million items need at most 20 comparisons.",
         test="Test the first element, the last element, a missing value and an empty list.",
         handling=None,
         doc="The docstring should say the list must be sorted ascending and that -1 means not found.",
         novice="It opens the list in the middle like a dictionary, decides which half the word must be in, and repeats on that half."),
    dict(lang="Python", task="splits a list into chunks of a given size",
         code="def chunks(items, size):\n    return [items[i:i + size] for i in range(0, len(items), size)]",
         extra_skills=[], bigo="It copies each element once, so it is O(n).",
         test="Assert that chunking `[1, 2, 3, 4, 5]` by 2 gives `[[1, 2], [3, 4], [5]]`.",
         handling="Raise ValueError when size is 0 or negative, since range() would fail or loop oddly.",
         doc="Document that the last chunk may be shorter.",
         novice="The range jumps through the list in steps of the chunk size, and each slice grabs the items from one jump to the next."),
    dict(lang="Python", task="parses lines like 'key=value' from a config file into a dictionary",
         code="def parse_config(lines):\n    cfg = {}\n    for n, line in enumerate(lines, 1):\n        line = line.strip()\n        if not line or line.startswith('#'): continue\n        key, sep, value = line.partition('=')\n        if not sep: raise ValueError(f'line {n}: expected key=value')\n        cfg[key.strip()] = value.strip()\n    return cfg",
         extra_skills=[], bigo="One pass over the lines, so O(total length of the file).",
         test="Test a comment line, a blank line, 'a = 1' and a broken line that should raise with its line number.",
         handling="It already raises a ValueError naming the line number when a line has no '=', which tells the user exactly where to look.",
         doc="Document that comments start with '#', whitespace around keys and values is stripped, and later keys override earlier ones.",
         novice="partition splits each line at the first '=' into the part before and after, and the middle piece tells us whether an '=' was there at all."),
    dict(lang="JavaScript", task="debounces another function so it only runs after the user stops typing",
         code="function debounce(fn, ms) {\n  let t;\n  return (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); };\n}",
         extra_skills=[], bigo="Each call does constant work, cancelling one timer and starting another.",
         test="With fake timers, call it three times within 100 ms and assert the wrapped function ran once.",
         handling=None,
         doc="A JSDoc comment should explain that only the last call within the wait window runs.",
         novice="Every keystroke resets a kitchen timer, and the function only runs when the timer manages to ring."),
    dict(lang="JavaScript", task="groups an array of objects by one of their properties",
         code="const groupBy = (rows, key) => rows.reduce((acc, r) => { (acc[r[key]] ??= []).push(r); return acc; }, {});",
         extra_skills=[], bigo="reduce visits each row once, so it is O(n).",
         test="Group three orders by 'city' and assert the lengths of each group.",
         handling="Decide what happens when a row lacks the key; here such rows end up under 'undefined', so you may want to filter them first.",
         doc="Document that the result is a plain object whose keys are the stringified property values.",
         novice="reduce carries a growing object along the array, and each row is dropped into the bucket named after its property value."),
    dict(lang="JavaScript", task="counts the words typed into a text area",
         code="const countWords = text => text.trim().split(/\\s+/).filter(Boolean).length;",
         extra_skills=["regular expressions"], bigo="It scans the text once, so it is O(n) in the number of characters.",
         test="Assert that '  two   words ' gives 2 and an empty string gives 0.",
         handling=None,
         doc="Note that hyphenated words count as one word.",
         novice="It trims the ends, cuts the text wherever there is a run of spaces, drops empty pieces and counts what is left."),
    dict(lang="JavaScript", task="formats a number of cents as a euro amount like €1.234,50",
         code="const euros = cents => new Intl.NumberFormat('de-DE', { style: 'currency', currency: 'EUR' }).format(cents / 100);",
         extra_skills=[], bigo="Formatting one number is constant time; create the formatter once if you format thousands of values.",
         test="Assert that 123450 cents formats as '1.234,50 €'.",
         handling="Reject non-integer cents with a TypeError so rounding errors from floats are caught early.",
         doc="Document that the amount is in cents and the output uses German-style separators.",
         novice="Intl.NumberFormat knows the local conventions for separators and the currency symbol, so you do not have to build the string yourself."),
]


@archetype("software", 2.5)
def a_write_function(g: Gen, k: int, force=None):
    f = g.pick(FUNCTIONS)
    lang = f["lang"]
    q = g.pick(["Write a {lang} function that {task}.", "I need a {lang} function that {task}.",
                "Can you give me {lang} code that {task}?", "How would you write a {lang} function that {task}?"]
               ).format(lang=lang, task=f["task"])
    a = "Here is a compact version:\n```" + lang.lower() + "\n" + f["code"] + "\n```"
    extras = {"big-o analysis": ("tell me its time complexity", f["bigo"]),
              "unit testing": ("suggest a test", f["test"]),
              "code documentation": ("tell me what the " + ("docstring" if lang == "Python" else "doc comment") + " should say", f["doc"]),
              "explaining to a novice": ("explain how it works for a beginner", f["novice"])}
    w = {"big-o analysis": 2, "unit testing": 3, "code documentation": 1.5, "explaining to a novice": 1}
    if f["handling"]:
        extras["error handling"] = ("handle bad input sensibly", f["handling"])
        w["error handling"] = 2
    skills, tq, ta = finish(g, [LANG_SKILL[lang]] + f["extra_skills"], extras, k, force, w)
    return glue(q, tq), glue(a, ta), skills


REVIEWS = [
    dict(lang="Python", code="for i in range(len(users)):\n    if users[i].active == True:\n        active.append(users[i])",
         comment="The index loop and the `== True` comparison add noise; iterate over the users directly and test the attribute's truth value.",
         refactor="The whole block becomes `active = [u for u in users if u.active]`.",
         handling=None, doc="Name the result `active_users` so no comment is needed.",
         kind="Nice that the filter logic is easy to spot; one suggestion: iterating directly over the list would make it shorter and harder to get wrong."),
    dict(lang="Python", code="try:\n    data = json.load(f)\nexcept:\n    data = {}",
         comment="The bare except swallows every error, including a corrupt file and even Ctrl-C, and silently continues with empty data.",
         refactor="Keep the happy path in a small `load_settings(path)` function so the fallback lives in one place.",
         handling="Catch `json.JSONDecodeError` specifically and log the file name and position before falling back, so corrupt files get noticed.",
         doc="Add a docstring saying when the function returns an empty dict.",
         kind="Good thinking to guard the load; could we narrow the except so a corrupt file does not go unnoticed?"),
    dict(lang="Python", code="def price_a(x): return x * 1.2 - (x * 1.2 * 0.1 if x > 100 else 0)\ndef price_b(x): return x * 1.2 - (x * 1.2 * 0.1 if x > 100 else 0)",
         comment="The same VAT and discount rule is copied into two functions, so a change of rate would have to be made twice.",
         refactor="Extract `def gross_price(net, vat=0.2, discount=0.1, threshold=100)` and call it from both places.",
         handling="Reject negative prices with a ValueError in the new helper.",
         doc="Document the VAT rate and the discount threshold as named constants with a one-line comment each.",
         kind="The calculation itself looks right; it would be great to pull it into one helper so the two copies cannot drift apart."),
    dict(lang="JavaScript", code="fetch(url).then(r => r.json()).then(d => render(d));",
         comment="Nothing handles a failed request or a non-200 response, so users would see a page that never finishes loading.",
         refactor="Rewrite it as an async function `loadAndRender(url)` with await, which reads top to bottom.",
         handling="Check `r.ok`, add a `.catch` (or try/catch with await) and show a short error message with a retry button.",
         doc="A JSDoc line should say what the function renders and what happens on failure.",
         kind="Clean and short; the one thing I'd add is a path for when the network or server fails."),
    dict(lang="SQL", code="SELECT * FROM orders WHERE YEAR(created_at) = 2024;",
         comment="Wrapping the column in YEAR() stops the database from using the index on created_at, so this scans the whole table.",
         refactor="Use a range instead: `WHERE created_at >= '2024-01-01' AND created_at < '2025-01-01'`, and select only the columns you need.",
         handling=None, doc="Add a comment that the range is half-open so 31 December is fully included.",
         kind="The intent is clear; a small change to a date range would let it use the index."),
    dict(lang="Python", code="for o in orders:\n    customer = db.get_customer(o.customer_id)\n    print(o.id, customer.name)",
         comment="This makes one database call per order, so 5,000 orders mean 5,000 round trips.",
         refactor="Fetch all needed customers in one query with the list of ids, build a dict by id and look them up in the loop.",
         handling="Handle orders whose customer was deleted, for example by printing 'unknown customer' instead of crashing on None.",
         doc="Comment that customers are prefetched in one query to avoid N+1 lookups.",
         kind="Works correctly; for big order lists we can save a lot of time by loading the customers in one go."),
    dict(lang="JavaScript", code="if (order.status === 3) { showBanner(); }",
         comment="The number 3 is a magic value; a reader cannot tell which status it means.",
         refactor="Define `const STATUS = { SHIPPED: 3 }` and write `order.status === STATUS.SHIPPED`.",
         handling=None, doc="Keep the status table in one module with a comment linking to where the codes come from.",
         kind="Small and readable; naming the status would make it self-explanatory."),
    dict(lang="Python", code='logger.info(f"login {user} {password}")',
         comment="This writes users' passwords into the log files, which is a serious security problem.",
         refactor="Log only the user name and the outcome: `logger.info('login ok for %s', user)`.",
         handling="Also log failed logins at warning level without the attempted password.",
         doc="Add a note in the logging guidelines that credentials are never logged.",
         kind="Thanks for adding logging here, it will help with support; we just need to make sure the password never ends up in it."),
    dict(lang="JavaScript", code="commentBox.innerHTML = userComment;",
         comment="Inserting user text as HTML allows script injection: a comment containing a script tag would run in other users' browsers.",
         refactor="Use `commentBox.textContent = userComment` so the text is shown, not interpreted.",
         handling=None, doc="Comment that user content is always inserted as text.",
         kind="Nice and simple; one important change so that user comments cannot inject code."),
    dict(lang="Python", code="def process(path):\n    # 80 lines: open file, parse rows, compute totals, print report",
         comment="One long function does reading, parsing, computing and printing, which makes it hard to test any part on its own.",
         refactor="Split it into `read_rows(path)`, `compute_totals(rows)` and `format_report(totals)`, with `process` calling the three.",
         handling="Then parsing errors can be raised from read_rows with the row number, separate from report formatting.",
         doc="Each of the three functions gets a one-line docstring describing its input and output.",
         kind="The logic is all there and works; splitting it up will make it much easier to test and change."),
]


@archetype("software", 1.8)
def a_code_review(g: Gen, k: int, force=None):
    r = g.pick(REVIEWS)
    q = g.pick(["Please review this {lang}.", "Can you give me review comments on this {lang} change?",
                "What would you say about this {lang} in a code review?",
                "{name} asked me to review this {lang}. What should I flag?"]).format(lang=r["lang"], name=g.name())
    a = r["comment"] + " " + g.pick(["That is the main thing I would flag before merging.", "Everything else reads fine to me.",
                                     "I'd ask for that change before approving.", "It's worth fixing now, while the code is fresh."])
    extras = {"refactoring": ("suggest how to restructure it", r["refactor"]),
              "code documentation": ("mention anything about comments or docs", r["doc"]),
              "tone adjustment": ("phrase the main comment kindly (the author is new to the team)",
                                  "A gentle way to put it: \"" + r["kind"] + "\"")}
    w = {"refactoring": 3, "code documentation": 1, "tone adjustment": 1}
    if r["handling"]:
        extras["error handling"] = ("point out anything about failures", r["handling"])
        w["error handling"] = 2
    skills, tq, ta = finish(g, ["code review", LANG_SKILL[r["lang"]]], extras, k, force, w)
    return with_code(glue(q, tq), r["code"], r["lang"]), glue(a, ta), skills


ALGOS = [
    dict(p="find two numbers in a list that add up to a target",
         idea="Walk through the list once, keeping a set of the numbers seen so far, and for each x check whether target - x is already in the set.",
         bigo="That is O(n) time and O(n) memory, compared with O(n^2) for checking every pair.",
         rec=None, ind=None,
         ex="For [3, 8, 5, 1] and target 9: after 3 and 8 the set is {3, 8}, and at 1 we find 9 - 1 = 8 in the set, so the pair is (8, 1).",
         py="In Python: `seen = set()` and inside the loop `if target - x in seen: return (target - x, x)` followed by `seen.add(x)`."),
    dict(p="check whether any two meetings in a day's calendar overlap",
         idea="Sort the meetings by start time, then compare each meeting's start with the previous meeting's end; an overlap exists exactly when a start is earlier than the previous end.",
         bigo="Sorting dominates, so it is O(n log n); the scan afterwards is O(n).",
         rec=None, ind=None,
         ex="With 9:00-10:00, 9:30-11:00 and 13:00-14:00, sorting keeps that order and 9:30 is before 10:00, so the first two clash.",
         py="In Python: `ms.sort()` then `any(b[0] < a[1] for a, b in zip(ms, ms[1:]))`."),
    dict(p="count the ways to climb a staircase of n steps taking one or two steps at a time",
         idea="The last move is either a single or a double step, so ways(n) = ways(n - 1) + ways(n - 2) with ways(0) = ways(1) = 1, and you fill a table from the bottom up.",
         bigo="Filling the table is O(n) time and can be done with O(1) memory by keeping only the last two values, while naive recursion without memoisation is exponential.",
         rec="A recursive version is the same formula calling itself, but it must cache results, for example with functools.lru_cache, or it recomputes the same values again and again.",
         ind="By induction on n, the table value equals the number of step sequences, because every sequence for n ends with a 1-step after a sequence for n - 1 or a 2-step after one for n - 2.",
         ex="For 4 steps: ways are 1, 1, 2, 3, 5 for n = 0..4, so there are 5 ways.",
         py="In Python: `a, b = 1, 1` and then `for _ in range(n - 1): a, b = b, a + b`, returning b."),
    dict(p="keep track of the 10 largest values in a huge stream of numbers",
         idea="Keep a min-heap of size 10; for each new number, if it is larger than the smallest in the heap, replace that smallest.",
         bigo="Each number costs O(log 10), so the whole stream is O(n log k) with only O(k) memory, far better than sorting everything.",
         rec=None, ind=None,
         ex="With k = 3 and stream 5, 1, 9, 7, 3, 8: the heap goes {5}, {1, 5}, {1, 5, 9}, {5, 7, 9}, stays, then {7, 8, 9}.",
         py="In Python: `heapq.heappushpop(heap, x)` once the heap has k items, or simply `heapq.nlargest(10, stream)`."),
    dict(p="group a list of words into anagram families",
         idea="Use the sorted letters of each word as a key in a dictionary of lists; all anagrams share the same key.",
         bigo="For n words of length up to m this is O(n m log m), since each word is sorted once.",
         rec=None, ind=None,
         ex="'listen', 'silent' and 'enlist' all have the key 'eilnst', while 'google' has 'eggloo' and stays alone.",
         py="In Python: `groups = defaultdict(list)` and `groups[''.join(sorted(w))].append(w)` for each word."),
    dict(p="check whether the brackets in an expression are balanced",
         idea="Push every opening bracket onto a stack and, for every closing bracket, pop and check that it matches; the expression is balanced if the stack is empty at the end.",
         bigo="One pass with constant work per character: O(n) time and up to O(n) memory for the stack.",
         rec=None, ind=None,
         ex="For '([]{})' the stack goes (, ([, (, ({, (, empty, so it is balanced; for '(]' the pop finds ( against ] and fails.",
         py="In Python: a dict `pairs = {')': '(', ']': '[', '}': '{'}` and a list used as the stack."),
    dict(p="find the single number missing from a list containing 1 to n with one gap",
         idea="The numbers 1 to n add up to n(n + 1)/2, so subtract the sum of the list from that total.",
         bigo="One pass to sum the list: O(n) time and O(1) memory.",
         rec=None,
         ind="The formula 1 + 2 + ... + n = n(n + 1)/2 is proved by induction: it holds for n = 1, and adding n + 1 to n(n + 1)/2 gives (n + 1)(n + 2)/2.",
         ex="For [1, 2, 4, 5] with n = 5 the full sum is 15 and the list sums to 12, so 3 is missing.",
         py="In Python: `n * (n + 1) // 2 - sum(xs)` with `n = len(xs) + 1`."),
    dict(p="solve the Tower of Hanoi for n discs and count the moves",
         idea="Move the top n - 1 discs to the spare peg, move the largest disc to the target, then move the n - 1 discs on top of it.",
         bigo="The number of moves satisfies M(n) = 2 M(n - 1) + 1, which gives 2^n - 1, so the running time is O(2^n).",
         rec="The procedure is naturally recursive: the function for n discs calls itself twice for n - 1 discs, with one disc as the base case.",
         ind="Induction confirms 2^n - 1: it is 1 for one disc, and 2(2^n - 1) + 1 = 2^(n + 1) - 1.",
         ex="With three discs that is 7 moves: two discs aside (3 moves), the big disc (1), two discs back on top (3).",
         py="In Python: `def hanoi(n, a, b, c): if n: hanoi(n - 1, a, c, b); print(a, '->', c); hanoi(n - 1, b, a, c)`."),
    dict(p="find the first version of our app where a bug appeared, given a test that says good or bad",
         idea="Binary search over the version list: test the middle version, and keep the half that still contains the change from good to bad.",
         bigo="It needs about log2(n) tests, so 1,000 versions take at most 10 checks instead of up to 1,000.",
         rec="It can be written recursively on the sub-range, although a loop is just as clear here.",
         ind=None,
         ex="With versions 1-16 and the bug in 11: test 8 (good), 12 (bad), 10 (good), 11 (bad), so 11 is the first bad one.",
         py="In Python, keep `lo, hi` and loop `while lo < hi: mid = (lo + hi) // 2` moving hi to mid when bad and lo to mid + 1 when good."),
    dict(p="count the separate islands of land in a grid map of 0s and 1s",
         idea="Scan the grid and, whenever you find an unvisited 1, count a new island and flood-fill all 1s connected to it so they are not counted again.",
         bigo="Each cell is visited a constant number of times, so it is O(rows x columns).",
         rec="The flood fill is easiest as a recursive function that visits the four neighbours, though a large grid needs an explicit stack to avoid deep recursion.",
         ind=None,
         ex="In the grid 110 / 010 / 001 there are 2 islands: the four connected 1s in the top-left and the single 1 in the corner.",
         py="In Python: a nested loop over cells and a `fill(r, c)` helper that sets visited cells to 0."),
]


@archetype("software", 1.6)
def a_algorithm(g: Gen, k: int, force=None):
    p = g.pick(ALGOS)
    q = g.pick(["How can I {p} efficiently?", "What's a good algorithm to {p}?",
                "I need to {p}. Which approach would you use?"]).format(p=p["p"])
    a = p["idea"]
    extras = {"big-o analysis": ("say how fast it is", p["bigo"])}
    w = {"big-o analysis": 4}
    if p["rec"]:
        extras["recursion"] = ("show how recursion fits in", p["rec"])
        w["recursion"] = 2
    if p["ind"]:
        extras["proof by induction"] = ("prove the key formula", p["ind"])
        w["proof by induction"] = 0.5
    extras["worked example"] = ("walk through a small example", p["ex"])
    extras["python programming"] = ("sketch it in Python", p["py"])
    w.update({"worked example": 1.5, "python programming": 1.5})
    skills, tq, ta = finish(g, ["algorithm design"], extras, k, force, w)
    return glue(q, tq), glue(a, ta), skills


REGEXES = [
    dict(t="dates written like 2024-03-15", pat=r"\b\d{4}-\d{2}-\d{2}\b",
         expl="\\d{4} is four digits for the year, then a hyphen, two digits for the month, a hyphen and two for the day, and \\b keeps it from matching inside longer numbers.",
         py="`re.findall(r'\\b\\d{4}-\\d{2}-\\d{2}\\b', text)` returns every date in the text.",
         test="It should match '2024-03-15' but not '2024-3-15' or '12024-03-150'.",
         clean="If some rows use 15/03/2024 instead, match both patterns and rewrite everything to the ISO form before grouping by month."),
    dict(t="hashtags in a social media post", pat=r"#\w+",
         expl="# matches the hash sign literally and \\w+ takes one or more letters, digits or underscores after it.",
         py="`re.findall(r'#\\w+', post)` gives a list such as ['#gardening', '#spring'].",
         test="Check that 'Love #spring and #Gardening2024!' gives exactly two tags.",
         clean="Lower-case the tags afterwards so #Spring and #spring are counted together."),
    dict(t="UK-style phone numbers like 020 7946 0958 or 07700 900123", pat=r"\b0\d{2,4}\s?\d{3,4}\s?\d{3,4}\b",
         expl="It starts with 0, then an area code of two to four digits, optional spaces and two more digit groups, which covers the common spacings.",
         py="Use `re.sub(r'\\s', '', m)` on each match from re.findall to store numbers without spaces.",
         test="Test with and without spaces, and make sure a 16-digit card number is not matched.",
         clean="After matching, strip the spaces so the same number written two ways becomes one value."),
    dict(t="prices like €12.50 or €3", pat=r"€(\d+(?:[.,]\d{2})?)",
         expl="€ is literal, \\d+ is the whole euros and the optional group (?:[.,]\\d{2})? allows cents with a dot or comma.",
         py="`[float(p.replace(',', '.')) for p in re.findall(r'€(\\d+(?:[.,]\\d{2})?)', text)]` gives the amounts as numbers.",
         test="Check '€3', '€12.50' and '€7,99' all match and '12.50' without the sign does not.",
         clean="Replace the decimal comma with a dot before converting, otherwise '7,99' becomes 799 or an error."),
    dict(t="hex colour codes like #a1b2c3 or #fff", pat=r"#(?:[0-9a-fA-F]{3}){1,2}\b",
         expl="After the #, it takes either one or two groups of three hex digits, which allows both the short and the long form.",
         py="`re.findall(r'#(?:[0-9a-fA-F]{3}){1,2}\\b', css)` lists every colour in a stylesheet.",
         test="It should accept '#fff' and '#A1B2C3' but reject '#ffff' and '#ggg'.",
         clean="Normalise to lower-case long form so #FFF and #ffffff count as one colour."),
    dict(t="order numbers like ORD-12345", pat=r"\bORD-(\d{5})\b",
         expl="ORD- is literal, (\\d{5}) captures exactly five digits, and the word boundaries stop it from matching ORD-123456.",
         py="`re.findall(r'\\bORD-(\\d{5})\\b', email_body)` gives just the digits.",
         test="Test 'ORD-12345', 'ord-12345' (should fail unless you add re.I) and 'ORD-1234'.",
         clean="Customers often type 'ord 12345', so consider `ORD[-\\s]?` with re.IGNORECASE when cleaning support tickets."),
    dict(t="accidentally repeated words like 'the the'", pat=r"\b(\w+)\s+\1\b",
         expl="(\\w+) captures a word, \\s+ the space after it and \\1 requires the very same word again.",
         py="`re.sub(r'\\b(\\w+)\\s+\\1\\b', r'\\1', text, flags=re.I)` removes the repeats.",
         test="Make sure 'the the cat' is fixed but 'that that is' decisions are reviewed, since some repeats are intended.",
         clean="Run it on scanned or dictated text before analysis, where doubled words are common."),
    dict(t="runs of two or more spaces", pat=r" {2,}",
         expl="The space followed by {2,} means two or more spaces in a row.",
         py="`re.sub(r' {2,}', ' ', text)` squeezes them down to one.",
         test="Check that single spaces are untouched and that three spaces become one.",
         clean="Combine it with strip() so names like '  Ana   Lopez ' become 'Ana Lopez' before you remove duplicates."),
    dict(t="times in 24-hour format like 07:30 or 23:05", pat=r"\b([01]\d|2[0-3]):([0-5]\d)\b",
         expl="The hour is 00-19 or 20-23 and the minute 00-59, each captured so you can convert them to numbers.",
         py="`re.findall(...)` returns (hour, minute) pairs such as ('07', '30').",
         test="Accept 00:00 and 23:59, reject 24:00 and 7:30.",
         clean="Pad single-digit hours first (7:30 -> 07:30) if the source is inconsistent."),
]


@archetype("software", 1.3)
def a_regex(g: Gen, k: int, force=None):
    r = g.pick(REGEXES)
    q = g.pick(["Write a regular expression that matches {t}.", "What regex would find {t}?",
                "I need a regex for {t}.", "Give me a pattern to pick out {t}."]).format(t=r["t"])
    a = f"Use `{r['pat']}`. It picks out {r['t']} wherever they appear in the text."
    extras = {"explaining to a novice": ("explain each part (I've never used regex)", r["expl"]),
              "python programming": ("show how to use it in Python", r["py"]),
              "unit testing": ("say what to test it against", r["test"]),
              "data cleaning": ("tell me how to use it to tidy messy data", r["clean"])}
    skills, tq, ta = finish(g, ["regular expressions"], extras, k, force,
                            {"explaining to a novice": 2, "python programming": 3, "unit testing": 1.5, "data cleaning": 1.5})
    return glue(q, tq), glue(a, ta), skills


SQLS = [
    dict(t="total sales per region for last month", schema="sales(region, amount, sold_at)",
         sql="SELECT region, SUM(amount) AS total FROM sales WHERE sold_at >= DATE '2024-05-01' AND sold_at < DATE '2024-06-01' GROUP BY region ORDER BY total DESC;",
         expl="GROUP BY puts the rows of each region together and SUM adds up their amounts, after the WHERE line has kept only May.",
         stats="Add `AVG(amount)` and `COUNT(*)` next to the sum to see whether a region sells more often or just bigger baskets.",
         clean="Check first for rows with a NULL region or negative amounts from refunds, and decide whether to exclude them.",
         skill=None),
    dict(t="customers who have never placed an order", schema="customers(id, name), orders(id, customer_id)",
         sql="SELECT c.id, c.name FROM customers c LEFT JOIN orders o ON o.customer_id = c.id WHERE o.id IS NULL;",
         expl="The LEFT JOIN keeps every customer and fills in NULL where there is no matching order, so the WHERE line keeps exactly those.",
         stats="Wrap it in `SELECT COUNT(*) FROM (...)` and divide by the number of customers to get the share who never ordered.",
         clean="Watch for duplicate customer rows with slightly different names, which would make the same person appear twice.",
         skill=None),
    dict(t="the top five products by revenue", schema="order_items(product_id, quantity, unit_price), products(id, name)",
         sql="SELECT p.name, SUM(i.quantity * i.unit_price) AS revenue FROM order_items i JOIN products p ON p.id = i.product_id GROUP BY p.name ORDER BY revenue DESC LIMIT 5;",
         expl="Revenue is quantity times price for each line, summed per product, then sorted from largest to smallest and cut to five rows.",
         stats="Adding each product's share of total revenue, `revenue / SUM(revenue) OVER ()`, shows how concentrated sales are.",
         clean="Exclude cancelled orders and lines with a zero or negative quantity before ranking.",
         skill=None),
    dict(t="the average order value per month", schema="orders(id, total, created_at)",
         sql="SELECT DATE_TRUNC('month', created_at) AS month, AVG(total) AS avg_order FROM orders GROUP BY 1 ORDER BY 1;",
         expl="DATE_TRUNC rounds each date down to the first of its month, so all orders of a month fall into one group whose mean is taken.",
         stats="Averages are pulled up by a few huge orders, so also compute the median with `PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY total)`.",
         clean="Drop test orders (often with totals of 0.01) and make sure refunds are not stored as negative orders in the same table.",
         skill=None),
    dict(t="email addresses that appear more than once in the users table", schema="users(id, email)",
         sql="SELECT LOWER(TRIM(email)) AS email, COUNT(*) AS n FROM users GROUP BY LOWER(TRIM(email)) HAVING COUNT(*) > 1;",
         expl="HAVING filters groups after counting, so only addresses with more than one row remain.",
         stats="A quick `SUM(n) - COUNT(*)` over that result tells you how many surplus rows you would delete.",
         clean="Lower-casing and trimming first catches 'Ana@Mail.com ' and 'ana@mail.com' as the same address.",
         skill="data cleaning"),
    dict(t="a running total of daily sign-ups", schema="signups(user_id, signed_up_on)",
         sql="SELECT signed_up_on, COUNT(*) AS daily, SUM(COUNT(*)) OVER (ORDER BY signed_up_on) AS running FROM signups GROUP BY signed_up_on ORDER BY signed_up_on;",
         expl="The inner COUNT gives each day's sign-ups and the window SUM adds them up in date order.",
         stats="Comparing the daily numbers with a 7-day average, `AVG(COUNT(*)) OVER (ORDER BY signed_up_on ROWS 6 PRECEDING)`, smooths out weekdays.",
         clean="Days with zero sign-ups are missing from the result, so join against a calendar table if the chart needs every day.",
         skill=None),
    dict(t="library books borrowed more than three times this year", schema="loans(book_id, borrowed_on), books(id, title)",
         sql="SELECT b.title, COUNT(*) AS loans FROM loans l JOIN books b ON b.id = l.book_id WHERE l.borrowed_on >= DATE '2024-01-01' GROUP BY b.title HAVING COUNT(*) > 3 ORDER BY loans DESC;",
         expl="The join brings in titles, the WHERE keeps this year's loans and HAVING keeps titles with more than three.",
         stats="The distribution is usually very skewed, so report the median loans per book next to the top of this list.",
         clean="Group by book id rather than title if two different books share a title.",
         skill=None),
    dict(t="the conversion rate of each variant in our checkout experiment", schema="visits(user_id, variant, converted)",
         sql="SELECT variant, COUNT(*) AS users, AVG(CASE WHEN converted THEN 1.0 ELSE 0 END) AS conversion FROM visits GROUP BY variant;",
         expl="The CASE turns each visit into 1 or 0, so its average per variant is the share of users who converted.",
         stats="With the counts and rates per variant you can run a two-proportion test to see whether the gap is more than noise.",
         clean="Count each user once: if users can visit several times, aggregate to one row per user before comparing variants.",
         skill="a/b testing"),
]


@archetype("software", 1.5)
def a_sql(g: Gen, k: int, force=None):
    t = g.pick(SQLS)
    q = g.pick(["Write a SQL query for {t}. The table is {schema}.", "How do I get {t} in SQL? Tables: {schema}.",
                "Given {schema}, what query gives {t}?"]).format(t=t["t"], schema=t["schema"])
    a = glue(f"Try `{t['sql']}`", t["expl"])
    base = ["sql queries"] + ([t["skill"]] if t["skill"] else [])
    extras = {"descriptive statistics": ("suggest a useful summary figure to add", t["stats"]),
              "data cleaning": ("warn me about dirty data", t["clean"])}
    skills, tq, ta = finish(g, base, extras, k, force, {"descriptive statistics": 2, "data cleaning": 2})
    return glue(q, tq), glue(a, ta), skills


SHELL = [
    dict(t="rename every .jpeg file in a folder to .jpg",
         cmd='for f in *.jpeg; do mv -- "$f" "${f%.jpeg}.jpg"; done',
         expl="The loop visits each .jpeg file and ${f%.jpeg} strips the old extension before adding the new one.",
         safe="Run it first with `echo mv` instead of `mv` to see what would happen, and use `mv -n` so nothing is overwritten.",
         err="Add `shopt -s nullglob` so the loop does nothing, instead of trying to rename a file literally called *.jpeg, when there are no matches.",
         doc="Put a comment at the top saying what the script renames and that it must be run inside the photo folder."),
    dict(t="find all files bigger than 100 MB in my home folder",
         cmd="find ~ -type f -size +100M -exec ls -lh {} + | sort -k5 -h",
         expl="find walks through every folder under ~, -size +100M keeps large files, and the ls and sort show them with readable sizes in order.",
         safe="It only lists files; if you pipe the result into rm later, review the list first, because caches and virtual machine images may be in it.",
         err="Add `2>/dev/null` to hide 'permission denied' messages from folders you cannot read.",
         doc="A comment with an example of the output helps the next person know what to expect."),
    dict(t="make a dated backup archive of a project folder",
         cmd='tar -czf "backup-$(date +%F).tar.gz" project/',
         expl="tar bundles the folder, -z compresses it, and $(date +%F) puts today's date such as 2024-06-03 in the file name.",
         safe="Store the archive outside the project folder and check it opens with `tar -tzf` before trusting it.",
         err="Start the script with `set -euo pipefail` so it stops and reports if the folder is missing or the disk is full.",
         doc="Document where backups go and how many days of archives are kept."),
    dict(t="delete log files older than 30 days",
         cmd="find /var/log/myapp -name '*.log' -mtime +30 -delete",
         expl="-mtime +30 selects files last modified more than 30 days ago and -delete removes them.",
         safe="Replace -delete with -print the first time and read the list, because a wrong path here deletes the wrong files without asking.",
         err="Check that the folder exists first (`[ -d /var/log/myapp ] || exit 1`) so a typo does not make find search elsewhere.",
         doc="A comment should say why 30 days was chosen and which cron job runs it."),
    dict(t="count the lines of code in all Python files of a project",
         cmd="find . -name '*.py' -not -path './.venv/*' | xargs wc -l | sort -n",
         expl="find lists the Python files (skipping the virtual environment), wc -l counts lines per file and sort orders them, with the total at the end.",
         safe="This is read-only, so it is safe to run anywhere.",
         err="Use `find ... -print0 | xargs -0` so file names with spaces do not break the command.",
         doc="Note in the README that the count includes comments and blank lines."),
    dict(t="download a list of URLs from a text file, one per line",
         cmd='while read -r url; do curl -fsSLO "$url"; done < urls.txt',
         expl="The loop reads one URL per line and curl saves each under its remote file name.",
         safe="Only download from sources you trust and check file names, since -O uses whatever name the server gives.",
         err="-f makes curl fail on HTTP errors; add `|| echo \"failed: $url\" >> failed.txt` to collect the ones that did not work.",
         doc="Describe the expected format of urls.txt in a comment."),
]


@archetype("software", 1.0)
def a_shell(g: Gen, k: int, force=None):
    s = g.pick(SHELL)
    q = g.pick(["How do I {t} from the command line?", "Give me a shell one-liner to {t}.",
                "What bash command would {t}?", "I want a small script to {t}."]).format(t=s["t"])
    a = glue(f"Try `{s['cmd']}`.", s["expl"])
    extras = {"safety awareness": ("tell me how not to break anything", s["safe"]),
              "error handling": ("make it robust when something goes wrong", s["err"]),
              "code documentation": ("say what to document", s["doc"])}
    skills, tq, ta = finish(g, ["shell scripting"], extras, k, force,
                            {"safety awareness": 1.5, "error handling": 2.5, "code documentation": 1})
    return glue(q, tq), glue(a, ta), skills


GITS = [
    dict(t="I committed to main by accident instead of a feature branch",
         review="Then open a pull request from the new branch, so the change still gets a code review before it reaches main.",
         ans="Create the branch where you are (`git branch fix-login`), move main back with `git reset --hard origin/main`, then `git switch fix-login` to continue there.",
         novice="A branch is just a label pointing at a commit, so you put a new label on your work and move the main label back to where it was.",
         check="Before resetting: your work is on the new branch (`git log fix-login`), nothing is pushed yet, and `git status` is clean.",
         safe="Only do the reset if the commit was not pushed; if it was, open a revert instead so others' history is not rewritten."),
    dict(t="I want to undo my last commit but keep the changes",
         review="Before recommitting, read your own diff with `git diff --staged` as a reviewer would; it often catches the reason you wanted to undo.",
         ans="Run `git reset --soft HEAD~1`: the commit disappears and its changes stay staged, ready to be edited and committed again.",
         novice="HEAD~1 means 'one commit back', and --soft moves the branch back without touching your files.",
         check="Afterwards `git status` should show the changes staged and `git log` should no longer show the commit.",
         safe="If the commit is already pushed, use `git revert HEAD` instead, which adds a new commit undoing it."),
    dict(t="my pull request has merge conflicts with main",
         review="Mention in the pull request which conflicts you resolved and how, so the reviewer checks those lines carefully.",
         ans="Update your branch with `git fetch` and `git merge origin/main`, open each conflicted file, keep the right lines between the <<<<<<< and >>>>>>> markers, then add and commit.",
         novice="A conflict means you and someone else changed the same lines, so git asks a human to decide which version wins.",
         check="Before committing: no conflict markers left (`git diff --check`), the tests pass, and you have read the other person's change.",
         safe="If it goes wrong midway, `git merge --abort` returns you to where you started."),
    dict(t="I accidentally committed a file with an API key in it",
         review="Ask reviewers to watch for secrets in diffs, and add a pre-commit check that blocks files like .env.",
         ans="First revoke the key with the provider, because anyone who saw the repository may have it; then remove the file with `git rm --cached`, add it to .gitignore and commit.",
         novice="Git remembers every version of every file, so deleting the file now does not remove it from history, which is why the key itself must be cancelled.",
         check="Revoke the key, issue a new one, remove the file from tracking, ignore it, and if needed rewrite history with a tool such as git filter-repo.",
         safe="Treat the key as leaked even if the repository is private; rotating it is the only safe fix."),
    dict(t="how do I write a good commit message",
         review="Good messages also help code review: reviewers read the 'why' before the diff and judge the change against it.",
         ans="Write a short summary line under about 50 characters in the imperative ('Fix rounding in invoice totals'), a blank line, then a few lines on why the change was needed.",
         novice="Think of the summary as an email subject that future you will scan in a long list.",
         check="Check: summary in the imperative, no full stop at the end, body explains why, and an issue number if there is one.",
         safe="Never put passwords or customer data in a commit message: it stays in history forever."),
    dict(t="my feature branch is weeks behind main",
         review="Tell your reviewer the branch was rebased, since it may change lines they already commented on.",
         ans="Bring it up to date with `git fetch` and then either `git merge origin/main` (keeps history as it happened) or `git rebase origin/main` (replays your commits on top) and resolve conflicts as they come.",
         novice="Your branch started from an old photo of main, and updating it means placing your changes on top of today's photo.",
         check="After updating, run the full test suite and skim `git log --oneline` to make sure only your commits sit on top.",
         safe="Only rebase branches nobody else is working on, because rebasing rewrites the commits others may have pulled."),
]


@archetype("software", 0.9)
def a_git(g: Gen, k: int, force=None):
    s = g.pick(GITS)
    opener = g.pick(["Git question: ", "Quick git help: ", "", "Help! "])
    t = s["t"] + ("?" if s["t"].startswith("how") else ".")
    q = opener + (t if opener.endswith(": ") else cap(t))
    a = s["ans"]
    extras = {"explaining to a novice": ("explain what's going on (I'm new to git)", s["novice"]),
              "checklist making": ("give me a short checklist", s["check"]),
              "safety awareness": ("warn me about anything risky", s["safe"]),
              "code review": ("tell me how this affects code review", s["review"])}
    skills, tq, ta = finish(g, ["git workflow"], extras, k, force,
                            {"explaining to a novice": 2, "checklist making": 1, "safety awareness": 1, "code review": 1.5})
    return glue(q, tq), glue(a, ta), skills


APIS = [
    dict(r="a neighbourhood tool library where people borrow drills and ladders",
         ends="`GET /tools` to list tools with availability, `GET /tools/{id}`, `POST /loans` with a tool id and dates to borrow, and `POST /loans/{id}/return` to give it back.",
         err="Return 409 Conflict with a message like 'tool already on loan until 12 May' when the dates clash, and 404 for an unknown tool id.",
         js="From the browser: `await fetch('/loans', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({toolId: 7, from: '2024-05-10', to: '2024-05-12'})})`.",
         doc="Document each endpoint with an example request and response, and state that dates are ISO 8601 in local time.",
         test="Write tests for the happy path, a double booking that must return 409 and returning a tool twice."),
    dict(r="booking appointments at a small physiotherapy clinic",
         ends="`GET /slots?date=2024-06-03` for free slots, `POST /appointments` with a slot id and patient details, `DELETE /appointments/{id}` to cancel, and `GET /appointments/{id}` to confirm.",
         err="Return 422 with the failing field named when a phone number is malformed, and 410 Gone if someone tries to book a slot in the past.",
         js="The booking form can post with `fetch('/appointments', {method: 'POST', body: JSON.stringify({slotId, name, phone})})` and show the returned confirmation code.",
         doc="The docs should explain the cancellation rule (up to 24 hours before) and list every error code with its meaning.",
         test="Test that two simultaneous bookings for one slot result in exactly one success."),
    dict(r="tracking parcels for a local courier",
         ends="`GET /parcels/{tracking_code}` returns the current status and a list of events, `POST /parcels/{code}/events` lets drivers add a scan, and `GET /parcels?recipient_postcode=` helps support staff.",
         err="Return 404 with 'no parcel with code X' for typos and 403 when a driver tries to scan a parcel not on their route.",
         js="The tracking page can poll `fetch('/parcels/' + code)` every minute and render the event list.",
         doc="Document the status values (created, in depot, out for delivery, delivered, returned) and what triggers each.",
         test="Test that events come back in time order and that an unknown code gives 404, not 500."),
    dict(r="a recipe collection with ingredients and ratings",
         ends="`GET /recipes?ingredient=leek` to search, `GET /recipes/{id}`, `POST /recipes` to add one, and `POST /recipes/{id}/ratings` with a score from 1 to 5.",
         err="Reject ratings outside 1-5 with 422 and a message naming the field, and limit page size to 50 with a clear error above that.",
         js="A search box can call `fetch('/recipes?ingredient=' + encodeURIComponent(term))` and list the titles.",
         doc="Document the recipe JSON with an example, including units for quantities.",
         test="Test searching for an ingredient with accents and that a rating of 6 is rejected."),
    dict(r="sign-ups for volunteer shifts at a food bank",
         ends="`GET /shifts?week=2024-W23` lists shifts with free places, `POST /shifts/{id}/signups` adds a volunteer, and `DELETE /signups/{id}` withdraws.",
         err="Return 409 when a shift is full, with the number of places in the message, and 400 if the volunteer is already signed up to an overlapping shift.",
         js="The page can disable the sign-up button when the response says `places_left: 0`.",
         doc="Document who may see volunteer names and that phone numbers are never returned by the API.",
         test="Test that the last place can be taken once and that a second request for it gets 409."),
]


@archetype("software", 1.0)
def a_api(g: Gen, k: int, force=None):
    s = g.pick(APIS)
    q = g.pick(["Design a small REST API for {r}.", "What endpoints would you give an API for {r}?",
                "Sketch the API for {r}."]).format(r=s["r"])
    a = "I'd keep it to a few resources: " + s["ends"]
    extras = {"error handling": ("include the important error cases", s["err"]),
              "javascript programming": ("show a call from the front end", s["js"]),
              "code documentation": ("say what the docs need", s["doc"]),
              "unit testing": ("suggest tests", s["test"])}
    skills, tq, ta = finish(g, ["api design"], extras, k, force,
                            {"error handling": 3, "javascript programming": 1.5, "code documentation": 1.5, "unit testing": 1.5})
    return glue(q, tq), glue(a, ta), skills


CONCEPTS = [
    dict(c="recursion", skill="recursion",
         ex="A function that adds up a list can say: the sum of an empty list is 0, otherwise it is the first number plus the sum of the rest, and 'the sum of the rest' is the same function on a shorter list.",
         analogy="It is like a queue of people where each asks the person behind them how many people are behind, until the last person says 'none'.",
         worked="For [3, 4, 5]: sum = 3 + sum([4, 5]) = 3 + 4 + sum([5]) = 3 + 4 + 5 + sum([]) = 12.",
         check="Can you tell me what would happen if we forgot the rule for the empty list?",
         socratic="If you already knew the sum of all but the first number, how would you get the total?"),
    dict(c="variables", skill="python programming",
         ex="In Python, `price = 4` stores 4 under the name price, and later `total = price * 3` uses it, so changing the price in one place changes the total.",
         analogy="A variable is like a labelled jar: the label stays the same, and you can swap what is inside.",
         worked="After `x = 5` and then `x = x + 2`, Python first computes 5 + 2 and then puts 7 back in the jar called x.",
         check="If I write `a = 3`, `b = a` and then `a = 10`, what is b?",
         socratic="What do you think the computer needs to remember between one line and the next?"),
    dict(c="loops", skill="python programming",
         ex="In Python, `for name in guests: print('Welcome', name)` runs the print line once for each guest in the list.",
         analogy="A loop is like a teacher calling the register: the same action, 'say the name', repeated for every pupil.",
         worked="With guests = ['Ana', 'Bo'], the first pass sets name to 'Ana' and prints 'Welcome Ana', the second does the same for 'Bo', then the loop ends.",
         check="How many lines would be printed if the list had five names?",
         socratic="If you had to greet 200 guests, what would you want to avoid writing 200 times?"),
    dict(c="what an API is", skill="api design",
         ex="An API is a menu of requests one program can send to another, like 'give me today's weather for Lyon', with a fixed format for the answer.",
         analogy="It is like a restaurant menu and a waiter: you do not go into the kitchen, you order from the list and get a dish back.",
         worked="A weather app sends `GET /weather?city=Lyon` and receives `{\"temp\": 18, \"sky\": \"cloudy\"}`, which it then draws on screen.",
         check="In the restaurant picture, what would an error message from an API correspond to?",
         socratic="Why might a weather company want you to ask through a menu instead of reading their database directly?"),
    dict(c="big-O notation", skill="big-o analysis",
         ex="Big-O describes how the work grows as the input grows: O(n) means twice the data takes about twice the time, O(n^2) means about four times.",
         analogy="Finding a friend by checking every seat in a stadium is O(n); asking everyone to shake hands with everyone else is O(n^2).",
         worked="Checking 1,000 names for duplicates by comparing every pair is about 500,000 comparisons, while using a set needs about 1,000 lookups.",
         check="If an O(n) program takes 2 seconds for 10,000 items, roughly how long for 40,000?",
         socratic="What happens to the number of handshakes when a party goes from 10 to 20 guests?"),
    dict(c="git branches", skill="git workflow",
         ex="A branch is a separate line of work: you can try a change on a branch without touching the main version, and merge it back when it works.",
         analogy="It is like writing a draft on a photocopy of a document, then copying the good edits back into the original.",
         worked="`git switch -c new-menu` creates the branch, you commit your edits there, and `git merge new-menu` on main brings them in.",
         check="If you make a mess on a branch, what happens to main?",
         socratic="Why might two people editing the same file at once want separate copies?"),
    dict(c="functions", skill="python programming",
         ex="A function packages steps under a name, like `def area(w, h): return w * h`, so you can reuse them with different inputs.",
         analogy="A function is like a recipe card: the ingredients are the inputs and the dish is what it returns.",
         worked="Calling `area(3, 4)` puts 3 in w and 4 in h, runs `return w * h` and hands back 12.",
         check="What would `area(2, 10)` give back?",
         socratic="If you computed an area in five places in your program, what would you have to change when the formula changed?"),
    dict(c="unit tests", skill="unit testing",
         ex="A unit test is a tiny program that calls one function with a known input and checks the output, so a later change that breaks it is caught immediately.",
         analogy="It is like a smoke alarm for your code: quiet most of the time, loud the moment something goes wrong.",
         worked="For `def double(x): return x * 2`, the test `assert double(3) == 6` passes, and if someone changes the function to `x + 2` it fails.",
         check="Which input would not catch the mistake of writing `x + 2` instead of `x * 2`?",
         socratic="How would you know tomorrow that today's working code still works after your colleague's change?"),
]


@archetype("software", 1.2)
def a_concept(g: Gen, k: int, force=None):
    c = g.pick(CONCEPTS)
    who = g.pick(["my nephew", "a new colleague", "a complete beginner", "my mum", "a student in my evening class", "me"])
    q = g.pick(["Explain {c} to {who}.", "How would you explain {c} to {who}?",
                "Can you explain {c} in simple terms for {who}?"]).format(c=c["c"], who=who)
    if who == "me":
        q = g.pick(["Explain {c} to me like I'm new to programming.", "I'm a beginner: can you explain {c}?"]).format(c=c["c"])
    a = c["ex"]
    extras = {"analogy": ("use an analogy", c["analogy"]),
              "worked example": ("walk through a concrete example", c["worked"]),
              "check for understanding": ("end with a question to check I got it", c["check"]),
              "socratic questioning": ("start with a question that makes them think", c["socratic"])}
    skills, tq, ta = finish(g, ["explaining to a novice", c["skill"]], extras, k, force,
                            {"analogy": 2.5, "worked example": 2, "check for understanding": 1.5, "socratic questioning": 0.8})
    return glue(q, tq), glue(a, ta), skills


# =========================================================================================================
# Area: data analysis
# =========================================================================================================

def mean(xs):
    return sum(xs) / len(xs)


def median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def stdev(xs):
    m = mean(xs)
    return math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1))


def ols(xs, ys):
    mx, my = mean(xs), mean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    b = sxy / sxx
    a = my - b * mx
    ss_res = sum((y - (a + b * x)) ** 2 for x, y in zip(xs, ys))
    ss_tot = sum((y - my) ** 2 for y in ys)
    return a, b, 1 - ss_res / ss_tot, ss_res, sxx


T95 = {2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228}

SERIES = [
    dict(what="weekly sales of sourdough loaves at {shop}", unit="loaves", per="week", lo=60, hi=140,
         slot=["the corner bakery", "our market stall", "the village shop"]),
    dict(what="daily visitors to the {place} website", unit="visitors", per="day", lo=300, hi=900,
         slot=["museum", "swimming pool", "town library", "theatre"]),
    dict(what="monthly electricity use of {place}", unit="kWh", per="month", lo=180, hi=420,
         slot=["our flat", "the club house", "my workshop"]),
    dict(what="weekly orders at {shop}", unit="orders", per="week", lo=40, hi=120,
         slot=["our online plant shop", "the bike repair stand", "my candle shop"]),
    dict(what="daily step counts from {place}", unit="steps", per="day", lo=4000, hi=14000,
         slot=["my watch", "my dad's phone", "the office step challenge"]),
    dict(what="monthly donations to {place}", unit="euros", per="month", lo=800, hi=2500,
         slot=["the food bank", "the animal shelter", "our school fund"]),
    dict(what="weekly attendance at {place}", unit="people", per="week", lo=80, hi=220,
         slot=["the Saturday park run", "the community choir", "the repair café"]),
    dict(what="daily cups sold at {shop}", unit="cups", per="day", lo=150, hi=320,
         slot=["the station coffee stand", "our campus café", "the kiosk by the lake"]),
]


@archetype("data", 3.0)
def a_series_stats(g: Gen, k: int, force=None):
    s = g.pick(SERIES)
    what = s["what"].format(shop=g.pick(s["slot"]), place=g.pick(s["slot"]))
    options = {"data cleaning": 2.5, "outlier detection": 2.5, "time series trends": 2, "data visualisation": 3,
               "spreadsheet formulas": 1.2, "percentages": 1, "summarisation": 0.6}
    extras = g.choose(["descriptive statistics"], options, k, force)
    n = g.randint(8, 12)
    lo, hi = s["lo"], s["hi"]
    trend = 0.0
    if "time series trends" in extras:
        trend = (hi - lo) / n * g.pick([0.5, 0.7, -0.5, 0.9])
    base = g.randint(lo, (lo + hi) // 2) if trend > 0 else g.randint((lo + hi) // 2, hi)
    vals = [max(1, round(base + trend * i + g.rng.gauss(0, (hi - lo) * 0.08))) for i in range(n)]
    shown = [str(v) for v in vals]
    missing = []
    if "data cleaning" in extras:
        missing = sorted(g.sample(range(1, n - 1), 2))
        shown[missing[0]] = "n/a"
        shown[missing[1]] = g.pick(["?", "", "-"])
        shown = [x if x else "(blank)" for x in shown]
    outlier = None
    if "outlier detection" in extras:
        candidates = [i for i in range(n) if i not in missing]
        outlier = g.pick(candidates)
        shown[outlier] = str(vals[outlier] * 10 + g.randint(0, 9))
    good = [v for i, v in enumerate(vals) if i not in missing and i != outlier]
    q = g.pick(["Here are the {what}: {vals}. Can you summarise them?",
                "What do these numbers tell us? {what_c}: {vals}.",
                "Give me the key statistics for the {what}: {vals}.",
                "I tracked the {what}: {vals}. How are we doing?"]).format(
        what=what, what_c=cap(what), vals=", ".join(shown))
    m, md = mean(good), median(good)
    nd = 0 if hi > 1000 else 1
    a = (f"Over the {len(good)} usable {s['per']}s the mean is {fmt_num(round(m, nd), nd)} {s['unit']} and the median "
         f"{fmt_num(md, 1)}, with values from {fmt_num(min(good))} to {fmt_num(max(good))} "
         f"(standard deviation about {fmt_num(round(stdev(good), nd), nd)}).")
    parts = []
    asks = []
    for e in extras:
        if e == "data cleaning":
            asks.append("tidy up the missing entries first")
            parts.append(f"Entries {missing[0] + 1} and {missing[1] + 1} are missing, so I left them out rather than "
                         f"counting them as zero, which would have dragged the mean down.")
        elif e == "outlier detection":
            asks.append("flag anything that looks wrong")
            parts.append(f"Entry {outlier + 1} ({shown[outlier]}) is about ten times every other value, almost certainly "
                         f"a typing slip with an extra digit, so I excluded it; check the source before correcting it.")
        elif e == "time series trends":
            half = len(good) // 2
            first, second = mean(good[:half]), mean(good[half:])
            xs = [i for i in range(n) if i not in missing and i != outlier]
            _, slope, _, _, _ = ols(xs, good)
            word = "rising" if slope > 0 else "falling"
            asks.append(f"tell me whether there's a trend over the {s['per']}s")
            parts.append(f"The series is {word} by about {fmt_num(abs(round(slope, 1)), 1)} {s['unit']} per {s['per']}: "
                         f"the later {s['per']}s average {fmt_num(round(second, nd), nd)} against "
                         f"{fmt_num(round(first, nd), nd)} earlier.")
        elif e == "data visualisation":
            asks.append(g.pick(["suggest a chart", "tell me how to chart it"]))
            parts.append(f"A simple line chart with the {s['per']} on the x-axis and {s['unit']} on the y-axis, plus a dashed "
                         f"line at the median, shows the pattern better than the list does.")
        elif e == "spreadsheet formulas":
            end = n + 1
            asks.append("give me the spreadsheet formulas")
            parts.append(f"With the values in B2:B{end}, =AVERAGE(B2:B{end}) and =MEDIAN(B2:B{end}) reproduce these "
                         f"figures, since both functions skip text cells" + (" once the outlier is removed." if outlier is not None else "."))
        elif e == "percentages":
            change = (good[-1] - good[0]) / good[0] * 100
            word = "higher" if change >= 0 else "lower"
            asks.append("tell me the percentage change from first to last")
            parts.append(f"The last usable value ({fmt_num(good[-1])}) is {fmt_num(abs(round(change, 1)), 1)}% {word} "
                         f"than the first ({fmt_num(good[0])}).")
        elif e == "summarisation":
            asks.append("finish with a one-line summary for the team")
            if "time series trends" in extras:
                tail = f"and the numbers are heading {'up' if slope > 0 else 'down'}."
            elif missing or outlier is not None:
                tail = "once the gaps and the typo are set aside." if missing and outlier is not None else \
                    ("once the gaps are set aside." if missing else "once the typo is set aside.")
            else:
                tail = "with no big surprises."
            parts.append(f"In one line: a typical {s['per']} brings about {fmt_num(round(md))} {s['unit']}, " + tail)
    return glue(q, ask_more(g, asks)), glue(a, *parts), ["descriptive statistics"] + extras


AB_CONTEXTS = [
    ("a green instead of a grey checkout button", "completed checkouts"),
    ("a shorter sign-up form", "sign-ups"),
    ("a new subject line for our newsletter", "opens"),
    ("a free-delivery banner on the home page", "orders"),
    ("a redesigned pricing page", "trial starts"),
    ("a photo of the team on the donation page", "donations"),
    ("a reminder text the day before appointments", "attended appointments"),
    ("showing reviews above the fold", "add-to-basket clicks"),
]


def norm_sf(z):
    return 0.5 * math.erfc(z / math.sqrt(2))


@archetype("data", 1.8)
def a_abtest(g: Gen, k: int, force=None):
    change, outcome = g.pick(AB_CONTEXTS)
    options = {"hypothesis testing": 4, "confidence intervals": 2, "percentages": 1.2, "sampling bias": 0.8,
               "plain language": 1, "persuasion": 0.4}
    extras = g.choose(["a/b testing"], options, k, force)
    na, nb = g.randint(8, 50) * 100, 0
    nb = na + g.randint(-3, 3) * 50
    pa = g.randint(20, 300) / 1000
    lift = g.pick([-0.05, 0.0, 0.04, 0.08, 0.12, 0.2, 0.3])
    ca = round(na * pa)
    cb = round(nb * pa * (1 + lift) + g.randint(-5, 5))
    ra, rb = ca / na, cb / nb
    days = g.pick([3, 4, 10, 14, 21])
    q = g.pick(["We tested {change} for {days} days. Version A: {ca} {out} from {na:,} visitors; version B: {cb} from {nb:,}. Did B win?",
                "Our A/B test of {change}: control had {na:,} users and {ca} {out}, the variant {nb:,} users and {cb} {out}. What do we conclude?",
                "Results after {days} days of testing {change}: A {ca}/{na:,} {out}, B {cb}/{nb:,}. Is the difference real?"]).format(
        change=change, days=days, ca=ca, cb=cb, na=na, nb=nb, out=outcome)
    d = (rb - ra) * 100
    a = (f"Version B converted {rb * 100:.2f}% against {ra * 100:.2f}% for A, a difference of {d:+.2f} percentage points; "
         f"since visitors were split at random, that gap is a fair comparison as long as each person saw only one version.")
    p = (ca + cb) / (na + nb)
    z = (rb - ra) / math.sqrt(p * (1 - p) * (1 / na + 1 / nb))
    pval = 2 * norm_sf(abs(z))
    se = math.sqrt(ra * (1 - ra) / na + rb * (1 - rb) / nb)
    lo, hi = (rb - ra - 1.96 * se) * 100, (rb - ra + 1.96 * se) * 100
    sig = pval < 0.05
    parts, asks = [], []
    for e in extras:
        if e == "hypothesis testing":
            asks.append("tell me if it's statistically significant")
            verdict = ("which is below 0.05, so chance alone is an unlikely explanation" if sig else
                       "so a gap this size could easily be chance and B has not been shown to be better")
            parts.append(f"A two-proportion z-test gives z = {z:.2f} and a two-sided p-value of {pval:.3f}, {verdict}.")
        elif e == "confidence intervals":
            asks.append("give me a confidence interval")
            parts.append(f"The 95% confidence interval for the difference runs from {lo:+.2f} to {hi:+.2f} percentage points"
                         + (", which excludes zero." if lo > 0 or hi < 0 else ", which includes zero."))
        elif e == "percentages":
            asks.append("express the effect as a relative change")
            parts.append(f"Relative to A, that is a {(rb / ra - 1) * 100:+.1f}% change in the {outcome} rate, which sounds bigger "
                         f"than the {abs(d):.2f}-point absolute difference, so quote both.")
        elif e == "sampling bias":
            asks.append("tell me if anything about how we ran it worries you")
            if days < 7:
                parts.append(f"{days} days does not cover a full week, and weekday and weekend visitors behave differently, "
                             f"so the sample may not represent your usual traffic; run it for at least two full weeks.")
            else:
                parts.append("Check that both versions ran over the same days and devices, because a variant shown mostly to "
                             "mobile users or during a sale would not be comparable.")
        elif e == "plain language":
            asks.append("put the conclusion in plain words for my manager")
            parts.append("In plain words: " + ("B really does seem to do better, and we can switch to it." if sig and d > 0 else
                                              "B looks worse, so we should keep A." if sig else
                                              "we cannot tell the two versions apart yet, so we should either keep testing or keep what we have."))
        elif e == "persuasion":
            asks.append("give me one sentence to convince the team to act on it")
            parts.append("To win the team over: " + (f"'B brings about {abs(round(d * 10))} extra {outcome} per thousand visitors at no extra cost, so every week we wait costs us.'" if sig and d > 0 else
                                                     "'We would rather spend two more weeks testing than ship a change that may do nothing.'"))
    return glue(q, ask_more(g, asks)), glue(a, *parts), ["a/b testing"] + extras


CORR = [
    dict(claim="people who own a dog live longer, so buying a dog will add years to your life",
         conf="People who are already healthy and active are more likely to take on a dog, so health may drive dog ownership rather than the reverse.",
         bias="Studies often recruit dog owners through vets or clubs, which leaves out people who had to give up a dog because of illness.",
         test="You would need to follow similar people, some of whom get a dog and some not, and compare their health afterwards.",
         fallacy="Concluding causation from the association alone is the questionable-cause fallacy (post hoc reasoning)."),
    dict(claim="children with more books at home get better grades, so we should send every family a box of books",
         conf="Homes with many books also tend to have more money and parents with more schooling, and those factors affect grades on their own.",
         bias="Surveys that ask about books at home get fewer responses from busy or struggling families.",
         test="A fair test would randomly give book boxes to some families and compare grade changes with families who did not get them.",
         fallacy="It assumes that because two things go together, changing one will change the other."),
    dict(claim="cities with more cafés have higher salaries, so opening cafés raises wages",
         conf="Well-paid workers have more money to spend on coffee, so high salaries attract cafés, not the other way round.",
         bias="Lists of cafés from map apps cover big cities far better than small towns.",
         test="Look at what happens to wages after cafés open in comparable towns, ideally where openings were driven by something unrelated to income.",
         fallacy="This is a reversed-causation mistake presented as cause and effect."),
    dict(claim="ice cream sales and drownings rise together, so ice cream is dangerous",
         conf="Hot weather drives both: more people buy ice cream and more people swim.",
         bias="Counting only summer months would make the pattern look even stronger than it is.",
         test="Compare drownings on hot days with and without ice-cream sales nearby, or control for temperature in a regression.",
         fallacy="It ignores a common cause, a classic false-cause fallacy."),
    dict(claim="employees who attend the optional training get promoted more, so the training works",
         conf="Ambitious employees are more likely to sign up for optional training and also more likely to be promoted anyway.",
         bias="Only people who finished the training are counted, not those who dropped out.",
         test="Offer the training to a random half of interested employees and compare promotion rates after a year.",
         fallacy="Self-selection is mistaken for an effect of the programme."),
    dict(claim="users who turn on dark mode stay subscribed longer, so we should force dark mode on everyone",
         conf="People who explore settings are engaged users to begin with, and engaged users stay longer.",
         bias="The data only covers users of the newest app version, which has a dark-mode switch.",
         test="An A/B test where new users get dark mode by default or not would show whether it matters.",
         fallacy="It mistakes a marker of engagement for its cause."),
    dict(claim="areas with more street lights report more crime, so lights attract crime",
         conf="Busy areas get more lights and also more people, shops and reports of crime.",
         bias="Crime that is reported depends on people being around to see and report it.",
         test="Compare crime in similar streets before and after new lights were installed, against streets that did not get lights.",
         fallacy="The causal arrow is drawn without ruling out a common cause."),
    dict(claim="students who sit in the front row get higher marks, so seating should be assigned by the teacher to the front",
         conf="Motivated students choose the front row, and motivation raises marks wherever they sit.",
         bias="Only students who attend class are in the seating data at all.",
         test="Randomly assign seats for a term and compare marks by row.",
         fallacy="The argument treats a choice that reflects motivation as the cause of success."),
]


@archetype("data", 1.6)
def a_correlation(g: Gen, k: int, force=None):
    c = g.pick(CORR)
    who = g.pick(["My colleague says", "A blog post claims", "Our manager concluded that", "A newspaper headline says",
                  "My uncle keeps saying"])
    q = g.pick(["{who} {claim}. Is that right?", "{who} {claim}. What's wrong with that reasoning?",
                "{who} {claim}. Should I believe it?"]).format(who=who, claim=c["claim"])
    a = "The data show an association, not that one causes the other. " + c["conf"]
    extras = {"sampling bias": ("say whether the data itself could be skewed", c["bias"]),
              "experimental design": ("tell me how we could test it properly", c["test"]),
              "fallacy detection": ("name the flaw in the argument", c["fallacy"])}
    skills, tq, ta = finish(g, ["correlation vs causation"], extras, k, force,
                            {"sampling bias": 2, "experimental design": 1.5, "fallacy detection": 1.5})
    return glue(q, tq), glue(a, ta), skills


REGS = [
    dict(x="daily high temperature", xu="°C", y="ice creams sold", lo=14, hi=32, b=(9, 15), a=(-60, 20),
         one="degree", yu="ice creams a day",
         conf="Hot days are also holiday days with more tourists, so the slope mixes the effect of heat with the effect of crowds."),
    dict(x="hours of revision", xu="hours", y="exam score", lo=1, hi=12, b=(3, 6), a=(38, 50),
         one="hour of revision", yu="marks",
         conf="Students who revise more may also attend more lessons, so revision hours alone may not explain the gain."),
    dict(x="advertising spend", xu="hundred euros", y="weekly bookings", lo=2, hi=20, b=(2, 5), a=(20, 40),
         one="hundred euros of advertising", yu="bookings a week",
         conf="Ads are usually run in the busy season, so some of the extra bookings would have come anyway."),
    dict(x="floor area", xu="m²", y="monthly rent in euros", lo=30, hi=110, b=(9, 14), a=(150, 300),
         one="square metre", yu="euros of rent a month",
         conf="Bigger flats are often in different neighbourhoods, so location is tangled up with size in this slope."),
    dict(x="age of the car", xu="years", y="resale price in thousand euros", lo=1, hi=12, b=(-1.6, -1.0), a=(22, 28),
         one="year of age", yu="thousand euros of resale value",
         conf="Older cars also have more kilometres, so mileage rather than age may be doing part of the work."),
    dict(x="distance from the station", xu="km", y="house price in thousand euros", lo=1, hi=8, b=(-25, -12), a=(380, 450),
         one="kilometre from the station", yu="thousand euros on the price",
         conf="Homes far from the station are often larger and newer, which pulls in the other direction and muddies the slope."),
]


@archetype("data", 1.5)
def a_regression(g: Gen, k: int, force=None):
    r = g.pick(REGS)
    options = {"data visualisation": 2, "python programming": 1.5, "outlier detection": 1.2,
               "correlation vs causation": 1.5, "confidence intervals": 1}
    extras = g.choose(["linear regression"], options, k, force)
    n = g.randint(6, 8)
    xs = sorted(g.sample(range(r["lo"], r["hi"] + 1), n))
    b0 = g.rng.uniform(*r["b"])
    a0 = g.rng.uniform(*r["a"])
    spread = abs(b0) * (r["hi"] - r["lo"]) * 0.08
    ys = [round(a0 + b0 * x + g.rng.gauss(0, spread), 1) for x in xs]
    if all(abs(y - round(y)) < 1e-9 or abs(b0) > 2 for y in ys):
        ys = [round(y) for y in ys]
    out = None
    if "outlier detection" in extras:
        out = g.randint(1, n - 2)
        ys[out] = round(ys[out] * 3 if b0 > 0 else ys[out] * 0.2, 1)
    pairs = ", ".join(f"({x:g}, {y:g})" for x, y in zip(xs, ys))
    q = g.pick(["Here are pairs of {x} ({xu}) and {y}: {pairs}. What's the relationship?",
                "Fit a line to this: {x} in {xu} vs {y} -> {pairs}.",
                "How does {y} depend on {x}? Data ({xu}, value): {pairs}."]).format(x=r["x"], xu=r["xu"], y=r["y"], pairs=pairs)
    fx = [x for i, x in enumerate(xs) if i != out]
    fy = [y for i, y in enumerate(ys) if i != out]
    a, b, r2, ssr, sxx = ols(fx, fy)
    sign = "+" if a >= 0 else "-"
    ans = (f"A least-squares line gives {r['y']} ≈ {fmt_num(round(b, 2), 2)} × {r['x']} {sign} {fmt_num(abs(round(a, 1)), 1)}, "
           f"so each extra {r['one']} goes with about {fmt_num(abs(round(b, 2)), 2)} {'more' if b > 0 else 'fewer'} "
           f"{r['yu']}; R² is {r2:.2f}.")
    parts, asks = [], []
    for e in extras:
        if e == "data visualisation":
            asks.append("suggest how to plot it")
            parts.append(f"Plot a scatter chart with {r['x']} on the x-axis and {r['y']} on the y-axis, and draw the fitted line "
                         f"over the points so readers can see how closely they follow it.")
        elif e == "python programming":
            asks.append("show me how to do it in Python")
            parts.append("In Python 3.10 or later, `statistics.linear_regression(xs, ys)` returns the slope and intercept directly.")
        elif e == "outlier detection":
            asks.append("check for odd points")
            parts.append(f"The point ({xs[out]:g}, {ys[out]:g}) sits far off the pattern of the others, so I fitted "
                         f"the line without it; confirm whether it is a recording error before dropping it for good.")
        elif e == "correlation vs causation":
            asks.append("tell me whether I can read it as cause and effect")
            parts.append("The slope describes an association, not a proven effect. " + r["conf"])
        elif e == "confidence intervals":
            m = len(fx)
            se = math.sqrt(ssr / (m - 2) / sxx)
            t = T95[m - 2]
            asks.append("give me a confidence interval for the slope")
            parts.append(f"With only {m} points the 95% confidence interval for the slope is wide: about "
                         f"{fmt_num(round(b - t * se, 2), 2)} to {fmt_num(round(b + t * se, 2), 2)}.")
    return glue(q, ask_more(g, asks)), glue(ans, *parts), ["linear regression"] + extras


SHEETS = [
    dict(t="add up all expenses in the 'Food' category", f='=SUMIF(B:B, "Food", C:C)',
         expl="SUMIF looks down column B for the word Food and adds the matching amounts from column C.",
         pivot="A pivot table with Category as rows and the sum of Amount as values gives every category's total at once, not just Food.",
         clean='If some rows say "food " or "FOOD", clean them with =TRIM(PROPER(B2)) in a helper column first, or they will be missed.',
         budget="Put the monthly food budget in a cell such as F1 and show =F1-SUMIF(...) as what is left to spend.",
         pct='=SUMIF(B:B, "Food", C:C)/SUM(C:C) formatted as a percentage gives food\'s share of all spending.'),
    dict(t="look up a product's price from its code on another sheet", f="=XLOOKUP(A2, Prices!A:A, Prices!B:B, \"not found\")",
         expl="XLOOKUP finds the code in column A of the Prices sheet and returns the price from column B next to it, or 'not found'.",
         pivot="Once prices are filled in, a pivot table by supplier can total the value of each supplier's products.",
         clean="Codes typed with spaces or as numbers in one sheet and text in the other will not match, so wrap both in TRIM and TEXT.",
         budget="Multiply the looked-up price by the quantity in column C to get the cost of each order line against your purchasing budget.",
         pct="A column with =(B2-C2)/C2 shows how far each new price is above the old one, as a percentage."),
    dict(t="count how many orders were over €100", f='=COUNTIF(D:D, ">100")',
         expl='COUNTIF counts the cells in column D whose value is greater than 100; the condition goes in quotes.',
         pivot="A pivot table can group order values into bands (0-50, 50-100, 100+) if you want the whole distribution.",
         clean="Amounts stored as text, for example with a euro sign typed in, are ignored by COUNTIF, so convert them with VALUE first.",
         budget="Knowing how many large orders come in helps plan how much stock money to keep in reserve.",
         pct='=COUNTIF(D:D, ">100")/COUNT(D:D) gives the share of orders above €100.'),
    dict(t="flag deliveries that arrived after their due date", f='=IF(C2>B2, "late", "on time")',
         expl="IF compares the arrival date in C with the due date in B and writes late or on time; fill it down the column.",
         pivot="A pivot table with Supplier as rows and the count of 'late' as values shows who is late most often.",
         clean="Dates typed as text such as '3rd May' will break the comparison, so convert them with DATEVALUE or retype them.",
         budget="If late deliveries carry a penalty, =IF(C2>B2, (C2-B2)*10, 0) works out the charge per order at €10 a day.",
         pct='=COUNTIF(D:D, "late")/COUNTA(D2:D500) gives the late-delivery rate.'),
    dict(t="work out how many days each library loan lasted", f="=C2-B2",
         expl="Dates are stored as numbers of days, so subtracting the borrow date in B from the return date in C gives the number of days.",
         pivot="A pivot table of the average loan length by book category shows which kinds of books people keep longest.",
         clean="Blank return dates for books still out would give negative or huge numbers, so use =IF(C2=\"\", \"\", C2-B2).",
         budget="Multiply the days over 21 by the daily fine to estimate fine income for the year's budget.",
         pct='=COUNTIF(D:D, ">21")/COUNT(D:D) is the share of loans that ran over three weeks.'),
    dict(t="calculate a running balance for my bank statement", f="=D1+B2-C2",
         expl="Each row takes the balance above it, adds money in (column B) and subtracts money out (column C); put the opening balance in D1 and fill down.",
         pivot="A pivot by month of the money-out column shows which months were most expensive.",
         clean="Bank exports often put amounts in as text with a comma for decimals, so convert them with VALUE(SUBSTITUTE(B2, \",\", \".\")) first.",
         budget="Add a column comparing each month's spending with your monthly budget cell, so overspends show in red with conditional formatting.",
         pct="=(D30-D1)/D1 shows by what percentage the balance changed over the month."),
    dict(t="average the test scores but ignore students who were absent", f='=AVERAGEIF(C2:C31, "<>absent")',
         expl="AVERAGEIF with the condition '<>absent' skips cells containing the word absent and averages the rest; blank cells are ignored anyway.",
         pivot="A pivot table with Class as rows and the average score as values compares the groups.",
         clean="Make sure absent is spelled the same everywhere; 'Absent ' with a space is treated as a different word.",
         budget="",
         pct='=COUNTIF(C2:C31, ">=50")/COUNT(C2:C31) gives the pass rate among students who sat the test.'),
]


@archetype("data", 1.3)
def a_spreadsheet(g: Gen, k: int, force=None):
    s = g.pick(SHEETS)
    q = g.pick(["What spreadsheet formula would {t}?", "In Excel or Google Sheets, how do I {t}?",
                "I want to {t} in my spreadsheet. Which formula?"]).format(t=s["t"])
    a = glue(f"Use `{s['f']}`.", s["expl"])
    extras = {"pivot tables": ("tell me if a pivot table would be better", s["pivot"]),
              "data cleaning": ("warn me about messy cells", s["clean"]),
              "percentages": ("show me how to get it as a percentage", s["pct"])}
    if s["budget"]:
        extras["budgeting"] = ("connect it to my budget", s["budget"])
    skills, tq, ta = finish(g, ["spreadsheet formulas"], extras, k, force,
                            {"pivot tables": 2.5, "data cleaning": 1.5, "percentages": 1.5, "budgeting": 0.8})
    return glue(q, tq), glue(a, ta), skills


SURVEYS = [
    dict(s="We asked {n} people at the gym whether the town needs a new sports hall and {p}% said yes.",
         bias="People at a gym are the ones most likely to want sports facilities, so the sample overstates support in the town as a whole.",
         fix="Ask a random selection of households, for example by post to addresses drawn from the electoral roll."),
    dict(s="An Instagram poll on our bakery's page got {n} answers and {p}% want longer opening hours.",
         bias="Followers are already fans and chose to answer, so the result reflects keen customers rather than everyone who might shop there.",
         fix="Hand a short card to every customer at the till for two weeks, including the quiet hours."),
    dict(s="We phoned {n} landline numbers about the new bus route and {p}% approve.",
         bias="Households that still answer a landline are older on average, and older residents use buses differently.",
         fix="Mix landline and mobile numbers, and weight the results by age to match the town's population."),
    dict(s="The feedback box at the exit collected {n} cards and {p}% were unhappy with the service.",
         bias="People with a complaint are much more likely to fill in a card, so unhappy customers are over-represented.",
         fix="Ask every tenth customer a single question as they leave, whether or not they want to give feedback."),
    dict(s="A survey of parents at the school gate at 8:30 got {n} replies and {p}% are against moving the start time.",
         bias="Parents who drop children off at 8:30 are exactly those whose routine the current time suits, while parents who work early or use the school bus were not there.",
         fix="Send the question to every family through the school's messaging app, with a paper copy for those without it."),
    dict(s="Our app asked people who opened it this week whether they would pay for a premium version; {n} answered and {p}% said yes.",
         bias="Only active users saw the question, and they are the most enthusiastic, so willingness to pay is overstated.",
         fix="Email a random sample of all registered users, including inactive ones, and compare with actual upgrade rates later."),
    dict(s="A street survey in the city centre on a Tuesday at noon asked {n} people about parking charges; {p}% were against them.",
         bias="Weekday lunchtime in the centre captures office workers and shoppers who drive in, not residents or weekend visitors.",
         fix="Survey at different times and places, or send a postal survey to a random sample of residents."),
]


@archetype("data", 1.2)
def a_survey(g: Gen, k: int, force=None):
    s = g.pick(SURVEYS)
    n = g.randint(6, 40) * 10
    pc = g.randint(18, 82)
    text = s["s"].format(n=n, p=pc)
    q = g.pick(["{t} Can we trust this?", "{t} Is that a fair picture?", "{t} What should we make of it?"]).format(t=text)
    a = s["bias"]
    p = pc / 100
    moe = 1.96 * math.sqrt(p * (1 - p) / n) * 100
    extras = {"confidence intervals": ("give me the margin of error",
                                       f"Even if the sample were random, {n} answers give a 95% margin of error of about ±{moe:.1f} points, "
                                       f"so {pc}% really means somewhere between {pc - moe:.0f}% and {pc + moe:.0f}%."),
              "percentages": ("tell me how many people that actually is",
                              f"{pc}% of {n} is {round(p * n)} people, which is worth saying next to the percentage."),
              "experimental design": ("suggest how to run it better", s["fix"]),
              "plain language": ("sum it up in plain words", "In plain words: this tells us what these particular people think, not what the whole town thinks.")}
    skills, tq, ta = finish(g, ["sampling bias"], extras, k, force,
                            {"confidence intervals": 3, "percentages": 1, "experimental design": 1.5, "plain language": 1})
    return glue(q, tq), glue(a, ta), skills


CLEANS = [
    dict(t="phone numbers written as '0612-345678', '06 12 34 56 78' and '+31 6 1234 5678'",
         code="df['phone'] = df['phone'].str.replace(r'\\D', '', regex=True).str.replace(r'^31', '0', regex=True)",
         expl="Removing every non-digit and turning the +31 country code into a leading 0 gives one format such as 0612345678.",
         regex="The pattern \\D means 'any character that is not a digit', and ^31 only matches 31 at the very start.",
         outlier=None,
         stats="Afterwards `df['phone'].str.len().value_counts()` should show almost everything at 10 digits; the rest need a manual look.",
         err=None),
    dict(t="a date column mixing '03/04/2024', '2024-04-03' and 'April 3, 2024'",
         code="df['date'] = pd.to_datetime(df['date'], format='mixed', dayfirst=True, errors='coerce')",
         expl="pandas tries each format row by row, dayfirst=True reads 03/04 as 3 April, and anything it cannot parse becomes NaT instead of stopping the script.",
         regex=None, outlier=None,
         stats="Check `df['date'].isna().sum()` and the min and max dates to make sure nothing landed in the wrong century.",
         err="errors='coerce' turns unparseable values into NaT; print those rows with `df[df['date'].isna()]` rather than silently dropping them."),
    dict(t="prices stored as text like '€1.234,50' and '€ 99'",
         code="df['price'] = df['price'].str.replace(r'[€\\s.]', '', regex=True).str.replace(',', '.').astype(float)",
         expl="The first replace drops the euro sign, spaces and thousands dots, the second turns the decimal comma into a dot, and astype makes them numbers.",
         regex="[€\\s.] is a character class matching a euro sign, any whitespace or a literal dot.",
         outlier="Then look at `df['price'].describe()`: a price of 123450 next to typical prices of 12 suggests a missing decimal comma.",
         stats="`df['price'].describe()` then gives a quick count, mean, median and range to sanity-check the conversion.",
         err="If astype(float) fails, use pd.to_numeric(..., errors='coerce') and inspect the rows that became NaN."),
    dict(t="city names like ' amsterdam', 'AMSTERDAM' and 'Amsterdam '",
         code="df['city'] = df['city'].str.strip().str.title()",
         expl="strip removes stray spaces and title gives every name the same capitalisation, so the three spellings collapse into 'Amsterdam'.",
         regex=None, outlier=None,
         stats="`df['city'].value_counts()` before and after shows how many duplicate spellings disappeared.",
         err=None),
    dict(t="duplicate customer rows where the same email appears several times",
         code="df = df.sort_values('updated_at').drop_duplicates(subset='email', keep='last')",
         expl="Sorting by the update time and keeping the last row per email keeps each customer's most recent details.",
         regex=None, outlier=None,
         stats="Compare `len(df)` before and after, and report how many duplicates were removed.",
         err=None),
    dict(t="an age column with values like 34, 270 and -1",
         code="df.loc[~df['age'].between(0, 110), 'age'] = pd.NA",
         expl="between(0, 110) keeps plausible ages, and everything outside is set to missing rather than guessed.",
         regex=None,
         outlier="Values such as 270 are almost certainly typos (27 or 70?), so treat them as missing unless the original form can be checked.",
         stats="After cleaning, `df['age'].median()` and the count of missing values are the two figures to report.",
         err=None),
    dict(t="a yes/no column containing 'Y', 'yes', 'No', 'n', 'TRUE' and blanks",
         code="df['consent'] = df['consent'].str.strip().str.lower().map({'y': True, 'yes': True, 'true': True, 'n': False, 'no': False, 'false': False})",
         expl="Normalising case and spaces first means the mapping only needs the lower-case variants, and anything unmapped, including blanks, becomes NaN.",
         regex=None, outlier=None,
         stats="`df['consent'].value_counts(dropna=False)` shows how many are True, False and still unknown.",
         err="Unknown spellings quietly become NaN with map, so list them with `df.loc[df['consent'].isna(), 'raw_consent'].unique()` before moving on."),
]


@archetype("data", 1.4)
def a_clean_pandas(g: Gen, k: int, force=None):
    c = g.pick(CLEANS)
    q = g.pick(["My data has {t}. How do I clean it in pandas?", "How can I tidy up {t} with Python?",
                "I'm loading a CSV with {t}. What's the pandas fix?"]).format(t=c["t"])
    a = glue(f"Use `{c['code']}`.", c["expl"])
    base = ["data cleaning", "python programming"]
    extras = {"descriptive statistics": ("tell me how to check the result", c["stats"])}
    w = {"descriptive statistics": 1.5}
    if c["regex"]:
        base.append("regular expressions")
        extras["explaining to a novice"] = ("explain the pattern", c["regex"])
        w["explaining to a novice"] = 0.8
    if c["outlier"]:
        extras["outlier detection"] = ("spot values that are clearly wrong", c["outlier"])
        w["outlier detection"] = 2
    if c["err"]:
        extras["error handling"] = ("make sure bad values don't crash it", c["err"])
        w["error handling"] = 1.5
    skills, tq, ta = finish(g, base, extras, k, force, w)
    return glue(q, tq), glue(a, ta), skills


QSERIES = [
    ("ice cream van", "sales in euros", [2, 9, 16, 5]),
    ("ski hire shop", "rentals", [16, 6, 2, 10]),
    ("garden centre", "sales in euros", [6, 14, 9, 5]),
    ("tax advice office", "appointments", [15, 7, 5, 9]),
    ("campsite", "bookings", [3, 9, 17, 4]),
    ("toy shop", "sales in euros", [6, 5, 6, 17]),
]


@archetype("data", 1.0)
def a_quarterly(g: Gen, k: int, force=None):
    biz, unit, season = g.pick(QSERIES)
    options = {"data visualisation": 2, "percentages": 2, "descriptive statistics": 1.5, "spreadsheet formulas": 0.8}
    extras = g.choose(["time series trends"], options, k, force)
    scale = g.pick([100, 150, 200, 400, 1000]) if "euros" in unit else g.pick([10, 20, 30])
    growth = g.pick([0.85, 0.95, 1.05, 1.1, 1.2])
    y1 = [round(s * scale * g.rng.uniform(0.95, 1.05)) for s in season]
    y2 = [round(v * growth * g.rng.uniform(0.97, 1.03)) for v in y1]
    q = g.pick(["Our {biz}'s quarterly {unit}: last year {a}; this year {b}. Are we growing?",
                "Quarterly {unit} for the {biz} — year one: {a}; year two: {b}. What's the trend?",
                "How is the {biz} doing? Quarterly {unit}, last year {a} and this year {b}."]).format(
        biz=biz, unit=unit, a=", ".join(f"{v:,}" for v in y1), b=", ".join(f"{v:,}" for v in y2))
    peak = ["first", "second", "third", "fourth"][season.index(max(season))]
    tot1, tot2 = sum(y1), sum(y2)
    yoy = (tot2 / tot1 - 1) * 100
    a = (f"The business is strongly seasonal, with the {peak} quarter the peak both years, so compare each quarter with the "
         f"same quarter last year rather than with the one before it; on that basis the year is "
         f"{'up' if yoy >= 0 else 'down'} overall.")
    parts, asks = [], []
    for e in extras:
        if e == "percentages":
            qs = ", ".join(f"Q{i + 1} {((b / a_) - 1) * 100:+.0f}%" for i, (a_, b) in enumerate(zip(y1, y2)))
            asks.append("give me the year-on-year changes")
            parts.append(f"Year on year: {qs}, and {yoy:+.1f}% for the whole year.")
        elif e == "descriptive statistics":
            asks.append("include the yearly totals")
            parts.append(f"Totals are {tot1:,} last year and {tot2:,} this year, an average of {tot2 / 4:,.0f} per quarter now.")
        elif e == "data visualisation":
            asks.append("suggest a chart")
            parts.append("Plot the two years as two lines over Q1-Q4 on the same axes: the shared seasonal shape and the gap between the lines are then obvious.")
        elif e == "spreadsheet formulas":
            asks.append("tell me the spreadsheet formula for the growth")
            parts.append("With last year in B2:B5 and this year in C2:C5, =C2/B2-1 filled down gives each quarter's change and =SUM(C2:C5)/SUM(B2:B5)-1 the yearly one.")
    return glue(q, ask_more(g, asks)), glue(a, *parts), ["time series trends"] + extras


# =========================================================================================================
# Area: rhetoric and persuasion
# =========================================================================================================

CLAIMS = [
    dict(topic="bike lanes", obj="losing parking spaces will hurt the shops", ppl="local shop owners", claim="Main Street needs protected bike lanes", aud="local shop owners",
         thesis="Main Street needs protected bike lanes, and it needs them this year.",
         rq="How many of us would let a twelve-year-old cycle down Main Street as it is today?",
         pathos="Picture a child pedalling to school with nobody gripping the back of the saddle, because the road finally feels safe.",
         logos="People on bikes stop more often than drivers passing through, and in towns that added lanes, shops on the route usually kept or grew their takings.",
         ethos="Our own road-safety officer has listed this stretch as the most dangerous in town for three years running.",
         analogy="A bike lane is a pavement for bicycles, and nobody calls pavements a luxury.",
         concede="It is true that some parking spaces would go.",
         rebut="But most customers already arrive on foot, and a loading bay keeps deliveries moving.",
         ana="Safer streets for our children, safer streets for our customers, safer streets for everyone.",
         cta="Come to the council meeting on the 14th and say you support the plan.",
         audline="For shop owners, a street people enjoy lingering in is a street where people spend."),
    dict(topic="public libraries", obj="Sunday opening is too expensive", ppl="residents", claim="the library should open on Sundays", aud="the town council",
         thesis="Our library should open on Sunday afternoons.",
         rq="Where else in town can a teenager sit somewhere warm, quiet and free on a Sunday?",
         pathos="On Sundays, the students who share one room with three siblings have nowhere quiet to do their homework.",
         logos="Opening four hours a week costs less than one part-time salary, and libraries that tried it saw their busiest afternoons of the week.",
         ethos="As a librarian of fifteen years, I have watched the queue form outside every Monday morning.",
         analogy="Closing the library on the one day people are free is like opening the swimming pool only in winter.",
         concede="Budgets are tight, and the council is right to ask what each hour costs.",
         rebut="Yet Sunday hours could be covered by shifting Monday morning hours, the quietest of the week, at no extra cost.",
         ana="A place to read, a place to study, a place to belong.",
         cta="Vote to fund a six-month Sunday trial at next month's budget meeting.",
         audline="For the council, this is a visible, low-cost win that residents of every age will notice."),
    dict(topic="school lunches", obj="better-off families do not need free meals", ppl="parents", claim="every primary school child should get a free hot lunch", aud="parents at our school",
         thesis="Every child at our school should get a free hot lunch.",
         rq="Can anyone concentrate on fractions with an empty stomach?",
         pathos="Teachers tell of children who save half their sandwich for a younger brother at home.",
         logos="A hot meal costs the school about two euros a day, and teachers report fewer afternoon behaviour problems where free meals exist.",
         ethos="Our school nurse, who sees hungry children every week, supports the plan.",
         analogy="We do not ask children to pay for their desks or their books, and lunch is just as much a tool for learning.",
         concede="Some families can easily afford lunch and do not need help.",
         rebut="But means-tested meals carry a stigma that keeps many eligible families from applying, so universal meals reach the children who need them most.",
         ana="Fed children learn, fed children play, fed children grow.",
         cta="Sign the letter to the school board at the parents' evening on Thursday.",
         audline="As parents, you know how different your own child is after a proper meal."),
    dict(topic="a four-day work week", obj="customers will not get the service they need on Fridays", ppl="employees", claim="our company should trial a four-day week", aud="the management team",
         thesis="We should trial a four-day working week for six months.",
         rq="What would our best people do with one more day of rest each week, and would they ever want to leave?",
         pathos="Think of the colleague who has missed every school play this year because of deadlines.",
         logos="Companies that trialled it mostly kept output steady while sick days and resignations fell, and replacing one employee costs us months of salary.",
         ethos="I have managed this team for eight years and have never seen burnout as high as this spring.",
         analogy="A field left fallow for a season yields more the next year, and people work the same way.",
         concede="Some roles, like customer support, cannot simply close on Fridays.",
         rebut="Those teams can rotate their day off, so customers always reach someone.",
         ana="Fewer days, sharper minds, stronger team.",
         cta="Approve a six-month trial for two departments, with output measured before and after.",
         audline="For management, the trial is reversible and measured, so the risk is small and the data will be ours."),
    dict(topic="tap water", obj="some people prefer the taste of bottled water", ppl="colleagues", claim="our office should stop buying bottled water", aud="my colleagues",
         thesis="It is time our office stopped buying bottled water.",
         rq="Would we pay a thousand times the price for anything else that comes out of the kitchen tap?",
         pathos="Every week a bin bag full of plastic bottles leaves this floor, and we all walk past it.",
         logos="Our tap water is tested more often than bottled water, and the office spends over two thousand euros a year on bottles.",
         ethos="The building's facilities manager has confirmed that our water passes every quality check.",
         analogy="Buying bottled water in a building with clean taps is like buying ice in winter.",
         concede="Some people genuinely prefer the taste of bottled water.",
         rebut="A filter jug in the fridge solves that for a fraction of the price.",
         ana="Less plastic, less cost, less carrying crates up the stairs.",
         cta="Bring a reusable bottle on Monday, and we will cancel the delivery from next month.",
         audline="For colleagues, this changes nothing except one less thing to carry in from the lift."),
    dict(topic="dog parks", obj="a dog park will be noisy", ppl="neighbours", claim="the empty lot on Elm Road should become a fenced dog park", aud="neighbours",
         thesis="The empty lot on Elm Road should become a fenced dog park.",
         rq="How many of us have been knocked over by an off-lead dog in the playground?",
         pathos="Old Mrs Janssen's spaniel has not run freely since the field was fenced off, and she says it has aged years.",
         logos="A fence and two benches cost less than a year of mowing and litter-picking the empty lot, and dogs with a place to run are calmer on the street.",
         ethos="The local vet and the neighbourhood watch both back the idea.",
         analogy="A dog park is to dogs what a playground is to children: a safe place to burn energy without bothering anyone.",
         concede="Noise is a fair worry for the houses right next to the lot.",
         rebut="Opening hours from eight to eight and a hedge along the fence would keep it quiet at night.",
         ana="A place to run, a place to meet, a place to breathe.",
         cta="Fill in the council's consultation form before the end of the month.",
         audline="For neighbours without dogs, it means fewer dogs off the lead in the playground and on the pavements."),
    dict(topic="night buses", obj="a night bus costs too much per passenger", ppl="local residents", claim="the night bus to the east side should return", aud="readers of the local paper",
         thesis="The night bus to the east side must come back.",
         rq="How are nurses, cleaners and bakers supposed to get home at two in the morning?",
         pathos="Since the route was cut, a hospital cleaner I know walks forty minutes home in the dark after every shift.",
         logos="The last service carried over a hundred passengers a night, more than some daytime routes, and a taxi costs a night worker half a shift's pay.",
         ethos="The hospital's own staff union has asked for the route back three times.",
         analogy="Cutting the night bus is like locking the fire exit because it is rarely used.",
         concede="Running buses at night does cost more per passenger.",
         rebut="But the people who depend on it keep the city running, and their alternatives are expensive or unsafe.",
         ana="Night workers deserve safe journeys, fair journeys, journeys home.",
         cta="Write to the transport committee before it votes on the new timetable in June.",
         audline="For readers who sleep through the night, this is the bus that gets your bread baked and your wards cleaned."),
    dict(topic="composting", obj="food bins will smell", ppl="residents", claim="every household should get a food-waste bin", aud="residents of our estate",
         thesis="Every flat on our estate should get a food-waste bin.",
         rq="Why pay to send potato peelings to a landfill when they could feed the community garden?",
         pathos="The community garden's volunteers spend their own money on compost while our peelings rot in black bags.",
         logos="About a third of household rubbish is food waste, and collecting it separately cuts the estate's general waste bill.",
         ethos="The garden coordinator has run a compost scheme on another estate for five years.",
         analogy="Throwing food waste in the general bin is like pouring the soup down the drain and buying stock.",
         concede="Food-waste bins can smell if they are not emptied often.",
         rebut="Weekly collection and sealed caddies keep them cleaner than the overflowing general bins we have now.",
         ana="Less rubbish, less smell, less waste.",
         cta="Tick 'yes' on the residents' survey that arrives next week.",
         audline="For residents, it simply means one small caddy under the sink and a lighter bin day."),
    dict(topic="screen time for children", obj="parents need to reach their children in an emergency", ppl="parents", claim="the school should ban phones during the school day", aud="other parents",
         thesis="Our school should keep phones in lockers during the school day.",
         rq="When did you last see a group of ten-year-olds play a game at break without a screen?",
         pathos="My daughter came home in tears because a photo taken at lunch had been shared before the bell.",
         logos="Schools with phone-free days report fewer bullying incidents and better concentration after lunch, and nothing important needs a phone between nine and three.",
         ethos="The head of year, who deals with the fallout every week, supports the rule.",
         analogy="We would not let children bring a television to class, and a phone is a television, a shop and a playground in one.",
         concede="Parents understandably want to reach their children in an emergency.",
         rebut="The school office can always reach them, as it did for decades before phones.",
         ana="Phone-free lessons, phone-free breaks, phone-free friendships.",
         cta="Back the proposal at the parents' council meeting on Tuesday.",
         audline="For parents, it ends the daily argument about phones at breakfast, because the rule comes from school."),
    dict(topic="rooftop solar panels", obj="the upfront cost is too high", ppl="residents", claim="our apartment building should install solar panels on the roof", aud="the residents' association",
         thesis="Our building should put solar panels on its roof.",
         rq="Why do we let the sun fall on an empty roof while we pay rising bills downstairs?",
         pathos="Older residents have told me they turn the heating off in the evenings to save money.",
         logos="A roof our size can cover most of the lifts, lights and pumps, and the installer's estimate pays back in about eight years, with a guarantee of twenty-five.",
         ethos="The engineer who surveyed the roof for free has installed panels on forty similar buildings.",
         analogy="An empty sunny roof is like a field left unplanted in spring.",
         concede="The upfront cost is real and some residents are moving soon.",
         rebut="The lower service charges start from the first year, and a building with panels is easier to sell.",
         ana="Cleaner power, cheaper power, our own power.",
         cta="Vote yes on the solar motion at the general meeting.",
         audline="For the residents' association, this lowers the shared bills that everyone pays regardless of how long they stay."),
    dict(topic="second-hand clothes", obj="parents prefer new uniforms", ppl="parents", claim="our school uniform shop should sell second-hand uniforms", aud="the school governors",
         thesis="The uniform shop should sell second-hand uniforms alongside new ones.",
         rq="Does a blazer really wear out in the one year a child takes to outgrow it?",
         pathos="Some families put off buying a winter coat because the blazer took the whole clothing budget.",
         logos="A full new uniform costs well over a hundred euros, and most items are outgrown long before they wear out.",
         ethos="The parents' association has already collected two hundred good-quality items.",
         analogy="Reselling uniforms is a lending library for clothes that children grow out of.",
         concede="Some parents prefer to buy new, and they still can.",
         rebut="A second-hand rail takes nothing away from them and gives everyone else a choice.",
         ana="Good for budgets, good for the planet, good for the school.",
         cta="Approve a second-hand rail for the September sale.",
         audline="For governors, it is a small step that visibly supports families without costing the school anything."),
    dict(topic="street parking", obj="residents need to get to their homes by car", ppl="local residents", claim="the street outside the school should close to cars at drop-off time", aud="local drivers",
         thesis="The street outside the school should close to cars for thirty minutes at drop-off and pick-up.",
         rq="Is saving two minutes of walking worth a child's safety?",
         pathos="Last winter a reversing car clipped a seven-year-old at the gate, and every parent there remembers the sound.",
         logos="School streets elsewhere cut traffic at the gate sharply while the surrounding roads coped, because many short trips simply switched to walking.",
         ethos="The head teacher and the local police officer have both asked for the change.",
         analogy="We close streets for a market without thinking twice, and children matter more than a market.",
         concede="Drivers who live on the street will need access.",
         rebut="Residents and blue-badge holders keep access, so only through traffic is stopped.",
         ana="A calmer gate, a safer crossing, a healthier start to the day.",
         cta="Support the trial closure in the consultation that opens on Monday.",
         audline="For drivers, it means a short detour twice a day, and a quieter street the rest of the time."),
]


STEELMEN = {
    "bike lanes": "The strongest version of their point is that small shops run on thin margins, and even a few lost parking spaces could tip a struggling business over.",
    "public libraries": "Their best argument is that every euro spent on Sunday hours is a euro not spent on books or on keeping a branch open elsewhere.",
    "school lunches": "At its strongest, the objection is that universal meals spend money on families who do not need it, money that could go further if targeted.",
    "a four-day work week": "The fair version of their worry is that customers do not stop needing us on Fridays, and a service gap could cost us contracts.",
    "tap water": "Put fairly, some colleagues simply dislike the taste, and the office should be a place where people are comfortable.",
    "dog parks": "The strongest case against is that the families next to the lot would live with barking every evening while others get the benefit.",
    "night buses": "Their best argument is that a half-empty night bus costs far more per passenger than daytime routes, and the money has to come from somewhere.",
    "composting": "At its strongest, the objection is that a badly managed food bin smells and attracts pests right next to people's front doors.",
    "screen time for children": "The fairest version of their worry is that a parent wants to reach their child the moment something goes wrong, without going through an office.",
    "rooftop solar panels": "Their strongest point is that residents who move in two years pay their share of the cost but never see the payback.",
    "second-hand clothes": "Put fairly, some parents worry that second-hand uniforms mark their children out as the ones who cannot afford new.",
    "street parking": "The strongest version of their point is that residents and carers who genuinely need to drive would be caught up in the closure.",
}


@archetype("rhetoric", 2.6)
def a_oped(g: Gen, k: int, force=None):
    c = g.pick(CLAIMS)
    form = g.pick(["a short op-ed", "a letter to the editor", "a post for our neighbourhood group", "a paragraph for the newsletter",
                   "a short speech"])
    options = {"rhetorical question": 1.5, "pathos": 2, "logos": 2.5, "ethos": 1.2, "analogy": 1.5, "concession": 1,
               "rebuttal": 1.5, "anaphora": 0.8, "call to action": 2, "audience awareness": 1.5}
    extras = g.choose(["persuasion"], options, k, force)
    ask_map = {"rhetorical question": "open with a rhetorical question", "pathos": "make people feel it",
               "logos": "include the practical numbers", "ethos": "show why we can be trusted",
               "analogy": "use an analogy", "concession": "admit the strongest point against us",
               "rebuttal": "answer the main objection", "anaphora": "end with a line of repeated phrasing",
               "call to action": "end with a clear call to action", "audience awareness": f"aim it at {c['aud']}"}
    key = {"rhetorical question": "rq", "pathos": "pathos", "logos": "logos", "ethos": "ethos", "analogy": "analogy",
           "concession": "concede", "rebuttal": "rebut", "anaphora": "ana", "call to action": "cta", "audience awareness": "audline"}
    order = ["rhetorical question", "audience awareness", "pathos", "logos", "ethos", "analogy", "concession", "rebuttal",
             "anaphora", "call to action"]
    q = g.pick(["Write {form} arguing that {claim}.", "Help me write {form} persuading people that {claim}.",
                "Draft {form} making the case that {claim}.", "I need {form} to convince people that {claim}."]).format(
        form=form, claim=c["claim"])
    if "rebuttal" in extras and "concession" not in extras:
        c = dict(c, rebut=f"Some will object that {c['obj']}. " + c["rebut"].replace("But ", "").replace("Yet ", "")[0].upper()
                 + c["rebut"].replace("But ", "").replace("Yet ", "")[1:])
    if "concession" in extras and "rebuttal" not in extras:
        c = dict(c, concede=c["concede"] + " " + g.pick(["Even so, the benefits clearly outweigh it.",
                                                          "That is a cost worth paying.", "Still, the case holds."]))
    body = [c["thesis"]] + [c[key[e]] for e in order if e in extras]
    if len(extras) == 0:
        body.append(c["logos"].split(", and ")[0].rstrip(".") + ".")
    asks = [ask_map[e] for e in extras]
    return glue(q, ask_more(g, asks)), " ".join(body), ["persuasion"] + extras


@archetype("rhetoric", 1.0)
def a_rebuttal(g: Gen, k: int, force=None):
    c = g.pick(CLAIMS)
    objection = c["concede"].replace("It is true that ", "").rstrip(".")
    q = g.pick(["Someone at the meeting objected that {o}. How do I answer that, given that {claim}?",
                "I'm arguing that {claim}, and the pushback is that {o_l}. What's my reply?",
                "How should I respond to the objection '{o}' when I'm making the case that {claim}?"]).format(
        o=objection[0].lower() + objection[1:], o_l=objection[0].lower() + objection[1:], claim=c["claim"])
    reply = cap(c["rebut"].replace("But ", "").replace("Yet ", ""))
    extras = {"steelmanning": ("first state their point as fairly as possible", STEELMEN[c["topic"]]),
              "concession": ("grant what's fair in it", f"Grant it openly: \"{c['concede']}\""),
              "logos": ("back the reply with reasons", c["logos"]),
              "call to action": ("finish by asking for something specific", c["cta"])}
    chosen = g.choose(["rebuttal"], {"steelmanning": 2, "concession": 2, "logos": 1.5, "call to action": 0.7}, k, force)
    before = [extras[e][1] for e in chosen if e in ("steelmanning", "concession")]
    after = [extras[e][1] for e in chosen if e in ("logos", "call to action")]
    lead = "Then answer it directly. " if before else ""
    a = glue(*before, lead + reply, *after)
    return glue(q, ask_more(g, [extras[e][0] for e in chosen])), a, ["rebuttal"] + chosen


@archetype("rhetoric", 0.9)
def a_speech_lines(g: Gen, k: int, force=None):
    c = g.pick(CLAIMS)
    devs = {"anaphora": ("a line with repeated openings", c["ana"]),
            "rhetorical question": ("a rhetorical question", c["rq"]),
            "pathos": ("an emotional image", c["pathos"]),
            "analogy": ("a memorable analogy", c["analogy"])}
    order = list(devs)
    chosen = g.choose([], {d: 1.0 for d in order}, k, force)
    if not chosen:
        raise Skip
    q = g.pick(["Give me {items} for a speech saying that {claim}.", "I'm giving a short talk: {claim}. Write me {items}.",
                "Suggest {items} I can use to argue that {claim}."]).format(
        items=join_and(devs[d][0] for d in chosen), claim=c["claim"])
    lines = [f"{cap(devs[d][0].split(' ', 1)[1])}: \"{devs[d][1]}\"" for d in chosen]
    a = " ".join(l if l.endswith(('.', '?', '"')) else l + "." for l in lines)
    return q, a, chosen


PRODUCTS = [
    dict(p="a refillable coffee cup scheme for the campus café", aud="students", frame="It costs less than a single coffee and saves you ten cents on every refill.",
         head="One cup, a whole term of coffee", hyper="Your bin will forget what a paper cup looks like.",
         under="It is, admittedly, just a cup.", cta="Pick yours up at the till this week.", allit="Carry your cup, cut the cost."),
    dict(p="a repair café that fixes broken toasters and lamps for free", aud="busy parents", frame="Bring it in broken, leave with it working, and keep thirty euros in your pocket.",
         head="Don't bin it: bring it", hyper="Our volunteers could fix a toaster in their sleep.",
         under="We are fairly handy with a screwdriver.", cta="Come along on the first Saturday of the month, 10 to 1.", allit="Fix it, don't fling it."),
    dict(p="a weekly vegetable box from local farms", aud="people who work from home", frame="Fresh vegetables at the door every Tuesday, for about the price of two takeaway lunches.",
         head="The farm comes to your door", hyper="These carrots were in the ground when you were asleep.",
         under="The vegetables are reasonably fresh: picked yesterday.", cta="Order your first box by Sunday night.", allit="Fresh, farm-grown, at your front door."),
    dict(p="a beginners' swimming course for adults", aud="adults who never learned to swim", frame="Ten evenings, small groups, and a teacher who has taught hundreds of nervous beginners.",
         head="It's never too late to float", hyper="You will be gliding like a dolphin by week ten.",
         under="You may get slightly wet.", cta="Book a free first lesson online.", allit="Swim safely, swim steadily, swim at last."),
    dict(p="a tool library where members borrow drills and ladders", aud="renters", frame="Why buy a drill you will use for eleven minutes a year when membership costs less than the drill?",
         head="Borrow the drill, keep the money", hyper="Our shed holds every tool known to humankind.",
         under="We have one or two ladders.", cta="Join for the year at the next open day.", allit="Borrow, build, bring it back."),
    dict(p="a quiet carriage on the morning commuter train", aud="commuters", frame="Forty minutes of calm before the working day, at no extra cost.",
         head="Forty quiet minutes, every morning", hyper="It is so quiet you can hear a page turn three seats away.",
         under="Some passengers find it mildly restful.", cta="Look for the green stickers on carriage 4.", allit="Settle in, switch off, slow down."),
    dict(p="a monthly board game night at the library", aud="teenagers", frame="Free snacks, two hundred games and no adults telling you what to play.",
         head="Roll the dice at the library", hyper="We have more games than there are stars in the sky.",
         under="The snacks are not bad.", cta="Turn up on the first Friday at seven: no booking needed.", allit="Games, grub and good company."),
]


@archetype("rhetoric", 1.3)
def a_adcopy(g: Gen, k: int, force=None):
    p = g.pick(PRODUCTS)
    extras = {"headline writing": ("give me a headline", f"Headline: \"{p['head']}\"."),
              "hyperbole": ("add a playful exaggeration", f"A playful exaggeration: \"{p['hyper']}\""),
              "understatement": ("try a dry, understated line too", f"A dry understated line: \"{p['under']}\""),
              "alliteration": ("add a catchy alliterative slogan", f"Slogan: \"{p['allit']}\""),
              "call to action": ("finish with a call to action", f"Close with: \"{p['cta']}\""),
              "audience awareness": (f"aim it at {p['aud']}", f"Keep every line about what {p['aud']} gain, not about the scheme itself."),
              "concision": ("keep everything short", "Keep each line under ten words; it will mostly be read on a poster in passing.")}
    q = g.pick(["Write promotional copy for {p}.", "How should we pitch {p}?", "Help me advertise {p}.",
                "We're launching {p}. What should the flyer say?"]).format(p=p["p"])
    a = (f"Frame it around what people gain for what they spend: \"{p['frame']}\" " +
         g.pick(["Putting the benefit before the cost makes the offer feel like a gain rather than a purchase.",
                 "Comparing it with something familiar sets the reference point in your favour.",
                 "That way the first thing people weigh is what they get, not what they give up."]))
    skills, tq, ta = finish(g, ["framing"], extras, k, force,
                            {"headline writing": 2.5, "hyperbole": 1.2, "understatement": 0.8, "alliteration": 1,
                             "call to action": 2, "audience awareness": 1.2, "concision": 1})
    return glue(q, tq), glue(a, ta), skills


@archetype("rhetoric", 1.0)
def a_analyse_appeals(g: Gen, k: int, force=None):
    c = g.pick(CLAIMS)
    pool = ["ethos", "pathos", "logos", "rhetorical question", "hyperbole"]
    if k > 4:
        raise Skip
    n_app = k if k <= 3 else 3
    extra_fb = k == 4
    if force and force not in pool + (["feedback on student work"] if extra_fb else []):
        raise Skip
    chosen = g.sample(["ethos", "pathos", "logos", "rhetorical question"], n_app)
    if force in pool and force not in chosen:
        if force == "hyperbole":
            chosen[-1] = "hyperbole"
        else:
            chosen[-1] = force
    hyper = "Every single person in this town agrees with me."
    src = {"ethos": c["ethos"], "pathos": c["pathos"], "logos": c["logos"], "rhetorical question": c["rq"], "hyperbole": hyper}
    order = [x for x in ["rhetorical question", "pathos", "logos", "ethos", "hyperbole"] if x in chosen]
    text = " ".join(src[x] for x in order)
    who = "my student's" if extra_fb else g.pick(["this", "a campaigner's", "my colleague's"])
    q = g.pick(["Which persuasive techniques does {who} paragraph use? \"{t}\"",
                "Identify the rhetorical appeals in {who} text: \"{t}\""]).format(who=who, t=text)
    names = {"ethos": "ethos (credibility)", "pathos": "pathos (emotion)", "logos": "logos (reasoning and numbers)",
             "rhetorical question": "a rhetorical question", "hyperbole": "hyperbole"}
    descr = []
    for x in order:
        first = src[x].split(",")[0].split(" ")[:6]
        descr.append(f"'{' '.join(first)}...' is {names[x]}")
    a = cap("; ".join(descr)) + "."
    if "hyperbole" in chosen:
        a += " The hyperbole weakens the case, since readers know it cannot be literally true."
    skills = list(order)
    if extra_fb:
        a += " Feedback for the student: the appeals are well chosen, but the paragraph needs one sentence that states the claim outright before the evidence."
        skills.append("feedback on student work")
    return q, a, skills


@archetype("rhetoric", 1.0)
def a_numbers_persuade(g: Gen, k: int, force=None):
    c = g.pick(CLAIMS)
    n = g.randint(12, 60) * 10
    yes = g.randint(55, 85)
    q = g.pick(["Our survey of {n} {aud} found {y}% support for the idea that {claim}. Help me use that to persuade the doubters.",
                "How can I use this figure persuasively: {y}% of {n} {aud} we asked agree that {claim}?"]).format(
        n=n, aud=c["ppl"], y=yes, claim=c["claim"])
    a = f"Lead with the people, not the percentage: \"{round(yes * n / 100)} of the {n} {c['ppl']} we asked, about {round(yes / 10)} in 10, want this.\""
    extras = {"framing": ("tell me how to frame the number", f"Framing it as '{round(yes / 10)} in 10' makes support feel like the normal view, while '{100 - yes}% against' would spotlight the opposition."),
              "logos": ("add a reasoned argument", c["logos"]),
              "call to action": ("end with what we want people to do", c["cta"]),
              "data visualisation": ("suggest a simple chart", f"A single bar split {yes}/{100 - yes}, with the number of people written on it, is clearer than a pie chart."),
              "sampling bias": ("say how honest I can be about the sample", "Be upfront that these were the people you could reach, not a random sample, which protects your credibility if someone asks.")}
    skills, tq, ta = finish(g, ["persuasion", "percentages"], extras, k, force,
                            {"framing": 2, "logos": 1.5, "call to action": 1.5, "data visualisation": 1, "sampling bias": 1})
    return glue(q, tq), glue(a, ta), skills


# =========================================================================================================
# Area: stories and literary devices
# =========================================================================================================

SCENES = [
    dict(topic="train delays", name="Priya",
         open="Priya had been on platform 4 for fifty minutes when the board changed again.",
         imagery="The air smelled of hot brakes and burnt coffee, and the fluorescent light hummed above the empty benches.",
         simile="The delayed train crawled into view like a tired dog coming home.",
         person="The departures board blinked, shrugged and offered another apology.",
         metaphor="The platform was a waiting room for people who had given up waiting.",
         allit="Cold commuters clutched cardboard cups.",
         show="She checked her phone, put it away, and checked it again before the screen had even gone dark.",
         dialogue="'Any news?' asked the man beside her. 'Only that there is no news,' Priya said.",
         flash="She remembered her first day in the city, when she had run for this same train and laughed when the doors closed in her face.",
         symbol="The stopped station clock, stuck at 8:10, seemed to stand for every plan she had put on hold.",
         fore="Nobody paid attention to the engineer walking quickly along the far track with a torch.",
         irony="When the train finally came, it was the one she had meant to avoid: the slow one, now the only one."),
    dict(topic="a lost cat", name="Tomás",
         open="Tomás printed forty posters of Biscuit and taped them to every lamp post on Alder Street.",
         imagery="Rain had turned the posters soft and grey, and the ink of Biscuit's whiskers ran down the paper in thin streaks.",
         simile="The empty food bowl sat by the door like a question nobody could answer.",
         person="The garden gate creaked as if it, too, were calling for her.",
         metaphor="Without her, the house was a shell with the sea taken out of it.",
         allit="Soft, silent, searching steps crossed the sodden street.",
         show="He left the kitchen window open a crack every night, even when the frost came.",
         dialogue="'She'll come back when she's hungry,' his sister said. 'She's always hungry,' Tomás replied, 'that's what worries me.'",
         flash="He thought of the night he had found her, a wet scrap of fur under a parked van, mewing at the tyres.",
         symbol="The bell from her old collar, left on the windowsill, stood for the quiet the house had fallen into.",
         fore="Next door, Mrs Okafor had started buying cat food, though she had never owned a cat.",
         irony="After a week of searching the whole town, he found Biscuit asleep in the laundry basket he had been too busy to empty."),
    dict(topic="a power cut", name="Lena",
         open="At seven in the evening every light on the street went out at once.",
         imagery="Candle wax dripped onto the table, and the only sound was the tick of the kitchen clock and rain on the window.",
         simile="The street went dark as suddenly as a book slammed shut.",
         person="The fridge gave a last shudder and fell silent, sulking in the corner.",
         metaphor="The neighbourhood became a sea of small candle-lit islands.",
         allit="Flickering flames fought the falling dark.",
         show="Lena found herself talking to her brother for the first time in weeks, because there was nothing else to do.",
         dialogue="'Do you have any more candles?' Lena called. 'Only the birthday ones,' her brother said, 'so make a wish.'",
         flash="It reminded her of winters at her grandmother's, where they played cards by lamplight while the wind shook the shutters.",
         symbol="The single candle they shared on the table became the small warm centre the family had been missing.",
         fore="Across the road, one window stayed bright, and nobody asked how.",
         irony="The electricity company's text promising 'no interruptions this winter' arrived the moment the power came back."),
    dict(topic="a village festival", name="Rosa",
         open="On the morning of the festival, Rosa was the first to arrive at the square.",
         imagery="Bunting snapped in the wind, the bakery sent out clouds of cinnamon, and a brass band tuned up somewhere out of sight.",
         simile="The square filled like a bath, slowly at first and then all at once.",
         person="The old church bell woke up grumbling and rang the start of the day.",
         metaphor="The festival was the village's heartbeat, and for one day it raced.",
         allit="Bright bunting billowed between the bakery and the bank.",
         show="She rearranged the cake stall four times before anybody came near it.",
         dialogue="'Is the lemon one for sale?' a boy asked. 'Everything is for sale,' Rosa said, 'except my patience.'",
         flash="Twenty years earlier she had won the egg-and-spoon race here, holding her father's hand at the finish line.",
         symbol="The festival's old wooden maypole, patched and repainted every year, stood for the village itself.",
         fore="The weather forecast on the radio mentioned a storm moving faster than expected.",
         irony="The stall that raised the most money for the new roof was the one selling umbrellas, once the rain began."),
    dict(topic="a first job interview", name="Kofi",
         open="Kofi arrived at the office twenty minutes early and walked around the block twice.",
         imagery="The lobby smelled of carpet cleaner and lilies, and the receptionist's keyboard clicked without pause.",
         simile="His tie felt as tight as a handshake that would not let go.",
         person="The revolving door seemed to hesitate before letting him in.",
         metaphor="The interview room was a stage, and he had forgotten his lines.",
         allit="Polished pens, pressed papers, perfect posture.",
         show="He wiped his palm on his trousers before every handshake.",
         dialogue="'Tell us about a time you failed,' the manager said. 'Does this morning count?' Kofi asked, and she laughed.",
         flash="He thought of his mother ironing this same shirt for his graduation, humming the song she always hummed when she was proud.",
         symbol="The borrowed pen he clutched throughout stood for all the people who had helped him get that far.",
         fore="On the way in, he held the lift for a woman carrying three coffees, who thanked him by name.",
         irony="The question he had rehearsed all week never came; the one about his hobbies took twenty minutes."),
    dict(topic="a flooded basement", name="Ines",
         open="Ines opened the basement door and heard water before she saw it.",
         imagery="Cardboard boxes sagged in the brown water, and the smell of wet plaster filled the stairwell.",
         simile="Old photographs floated past like leaves on a pond.",
         person="The boiler coughed, gurgled and gave up.",
         metaphor="The basement had become a museum of everything the family had meant to sort out.",
         allit="Soggy sacks and sodden shoes sank slowly.",
         show="She stood on the bottom step for a long minute without moving, her hand still on the light switch.",
         dialogue="'How bad is it?' her father called down. 'Bring your fishing boots,' Ines said.",
         flash="She remembered carrying those boxes down on the day they moved in, when her father had promised they would only stay there for a month.",
         symbol="Her grandmother's sewing box, floating but still shut, stood for everything in the family that somehow stayed afloat.",
         fore="A damp patch had been spreading on the wall for weeks, and everyone had called it 'just condensation'.",
         irony="The one box that stayed perfectly dry was labelled 'Important papers: keep dry' and contained nothing but old magazines."),
    dict(topic="a new puppy", name="Felix",
         open="The puppy arrived on a Friday and the house was never tidy again.",
         imagery="Chewed shoelaces, a wet nose on the back of the knee, the patter of paws on the kitchen tiles at six in the morning.",
         simile="She followed Felix from room to room like a small, hopeful shadow.",
         person="The sofa cushions surrendered one by one.",
         metaphor="The puppy was a tornado in a fur coat.",
         allit="Paws pattered past the pantry.",
         show="Felix, who had said he did not want a dog, was found asleep on the kitchen floor with the puppy on his chest.",
         dialogue="'Who let her on the bed?' asked Mum. 'She let herself,' said Felix, without looking up.",
         flash="He remembered begging for a dog at seven and being told, every year, 'when you're older'.",
         symbol="The chewed corner of his old school bag became the family's symbol for the moment everything changed.",
         fore="The puppy barked at the same corner of the garden every night, where the fence was loose.",
         irony="The expensive dog bed stayed empty while the puppy slept happily in the cardboard box it came in."),
    dict(topic="a camping weekend", name="Maya",
         open="Maya had promised her friends that camping would be relaxing.",
         imagery="Woodsmoke clung to their jumpers, the lake slapped softly against the rocks, and pine needles stuck to everything.",
         simile="The tent collapsed as gracefully as a fainting goat.",
         person="The wind crept under the flysheet and rummaged through their bags.",
         metaphor="By the second night, the campsite was a battlefield of wet socks.",
         allit="Damp duvets and dripping dinners dampened the day.",
         show="Nobody mentioned the rain, but everyone kept their boots on inside the tent.",
         dialogue="'Whose idea was this?' asked Dev. 'Yours,' said Maya, 'I have it in writing.'",
         flash="She thought of the camping trips with her father, who had made everything look easy and never let her see the instructions.",
         symbol="The small fire they kept alive through the drizzle stood for the friendship that kept them laughing.",
         fore="The ranger had mentioned, twice, that the lower field 'can get a bit boggy'.",
         irony="They had packed three different rain jackets for each person and not a single tent peg."),
    dict(topic="a snow day", name="Sami",
         open="Sami woke to a silence so complete that he knew before he opened the curtains.",
         imagery="The street was buried in blue-white drifts, the cars were soft humps, and somewhere a shovel scraped on stone.",
         simile="The snow lay over the town like a clean sheet over a sleeping child.",
         person="The old oak wore the snow proudly, as if it had dressed up for the occasion.",
         metaphor="The hill behind the school became a highway of sledges.",
         allit="Silent snow settled on the sleeping streets.",
         show="He ate breakfast standing at the window, cereal dripping off the spoon.",
         dialogue="'School's closed,' his mother said. 'I know,' said Sami, already in his boots.",
         flash="He remembered the last big snow, when his grandfather had built a snowman taller than himself and given it his own scarf.",
         symbol="The snowman's borrowed scarf stood for all the winters his grandfather was no longer there to see.",
         fore="The radio warned that the thaw would come quickly and the river was already high.",
         irony="The only day of the year he had finished all his homework on time was the day school closed."),
    dict(topic="the corner shop closing", name="Mr Hale",
         open="After thirty-one years, Mr Hale turned the sign on the corner shop to 'Closed' for the last time.",
         imagery="The shelves were bare except for a tin of peaches, the floor still smelled of polish, and the bell above the door rang one last time.",
         simile="The empty shop felt as hollow as a drum.",
         person="The old till seemed to sigh as its drawer slid shut.",
         metaphor="The shop had been the street's living room for three decades.",
         allit="Sweets, stamps and small talk had sold for three decades.",
         show="He wiped down the counter three times, though it was already clean.",
         dialogue="'Where will we get our paper now?' asked a regular. 'The same place as your gossip,' Mr Hale said, 'somewhere less friendly.'",
         flash="He remembered the first morning, when his wife had arranged the sweets by colour and he had told her nobody would notice.",
         symbol="The brass bell over the door, which he took home in his pocket, stood for every conversation it had announced.",
         fore="The estate agent's sign for the building next door had already gone up, with a photo of a supermarket logo.",
         irony="On his final day, the shop had its busiest afternoon in years, as everyone came to say goodbye."),
    dict(topic="running a marathon", name="Esther",
         open="At kilometre thirty, Esther stopped thinking about the finish line.",
         imagery="Her shoes slapped the wet tarmac, orange peel littered the road, and the crowd's cheering came and went like a radio losing signal.",
         simile="Her legs felt as heavy as sacks of wet sand.",
         person="The hill ahead seemed to lean towards her, daring her to stop.",
         metaphor="The last five kilometres were a wall made of her own doubts.",
         allit="Pounding paces passed the packed pavement.",
         show="She stopped looking at her watch and started counting lamp posts instead.",
         dialogue="'Keep going, number 412!' a stranger shouted. 'I'm trying,' Esther gasped, though he could not hear her.",
         flash="She remembered the first run she ever did, a single lap of the park that left her sitting on a bench for ten minutes.",
         symbol="The scrap of paper pinned inside her vest, with her daughter's drawing on it, stood for why she had started.",
         fore="At the start line, she had noticed her left shoelace was frayed but decided it would hold.",
         irony="After five months of training for hills, the hardest part of the race was the flat stretch by the river."),
    dict(topic="the night shift", name="Omar",
         open="At three in the morning the hospital corridor belonged to Omar and the vending machine.",
         imagery="The floors gleamed under the strip lights, a monitor beeped somewhere far away, and the air tasted of disinfectant.",
         simile="The night stretched out like an empty motorway.",
         person="The vending machine hummed to itself, the only other one awake.",
         metaphor="His coffee was the fuel that kept the whole ward running.",
         allit="Quiet corridors, cold coffee, constant checks.",
         show="He moved down the ward in soft shoes, pausing at each door to listen before looking in.",
         dialogue="'Can't sleep?' Omar asked the old man in bed six. 'At my age,' the man said, 'sleep is a rumour.'",
         flash="He thought of his first night shift, when he had jumped at every alarm and called a doctor for a beeping kettle.",
         symbol="The small lamp at the nurses' station, always on, stood for the care that never clocked off.",
         fore="Bed six had asked, twice, whether his daughter had phoned.",
         irony="The only patient who slept through the night was the one who had complained loudest about the noise."),
    dict(topic="a school science fair", name="Hana",
         open="Hana's volcano was supposed to be the star of the science fair.",
         imagery="The hall smelled of vinegar and poster paint, and paper cells and cardboard planets hung from every table.",
         simile="The judges moved between the tables like herons wading through shallow water.",
         person="Her volcano sat on the table, sulking, refusing to erupt.",
         metaphor="The science fair was a zoo of half-working inventions.",
         allit="Bubbling beakers and baking-soda blasts.",
         show="She kept her hands behind her back so nobody would see them shaking.",
         dialogue="'What happens if it doesn't work?' asked her friend. 'Then I'll explain why,' said Hana, 'that's science too.'",
         flash="She remembered the night before, when the test eruption had covered the kitchen ceiling and her dad had laughed until he cried.",
         symbol="The dented measuring cup she had borrowed from her grandmother stood for the careful work behind the spectacle.",
         fore="That morning, she had swapped her vinegar for the bottle with the unmarked label.",
         irony="Her volcano won the prize for 'best explanation of a failed experiment'."),
    dict(topic="keeping bees", name="Olga",
         open="Olga opened the hive slowly, the way her neighbour had shown her.",
         imagery="Warm air rose from the frames with the smell of wax and honey, and the hum filled her ears like distant traffic.",
         simile="The bees poured over the comb like slow golden water.",
         person="The hive muttered a warning and then, deciding she was harmless, went back to work.",
         metaphor="The hive was a city with a hundred thousand citizens and no traffic jams.",
         allit="Busy bees buzzed between the blooming borage.",
         show="She kept her movements so slow that a bee walked across her glove and away again.",
         dialogue="'Aren't you scared?' her son asked. 'Only of doing it wrong,' Olga said.",
         flash="She remembered being stung as a child and her grandfather rubbing mint on the spot and telling her bees were not cruel, only busy.",
         symbol="The jar of first honey she set on the windowsill stood for a year of patience.",
         fore="Her neighbour had warned her that a hive that gets too crowded will leave without asking.",
         irony="She had worried for months about being stung, and the only injury of the season was a paper cut from the beekeeping manual."),
]

DEVICE_ORDER = ["vivid imagery", "simile", "personification", "metaphor", "alliteration", "show don't tell",
                "dialogue writing", "flashback", "symbolism", "foreshadowing", "irony"]
DEVICE_KEY = {"vivid imagery": "imagery", "simile": "simile", "personification": "person", "metaphor": "metaphor",
              "alliteration": "allit", "show don't tell": "show", "dialogue writing": "dialogue", "flashback": "flash",
              "symbolism": "symbol", "foreshadowing": "fore", "irony": "irony"}
DEVICE_ASK = {"vivid imagery": "vivid sensory detail", "simile": "a simile", "personification": "some personification",
              "metaphor": "a metaphor", "alliteration": "a touch of alliteration", "show don't tell": "show rather than tell the feelings",
              "dialogue writing": "a short exchange of dialogue", "flashback": "a brief flashback", "symbolism": "an object that works as a symbol",
              "foreshadowing": "a hint of what's coming", "irony": "an ironic twist"}


@archetype("stories", 3.2)
def a_scene(g: Gen, k: int, force=None):
    sc = g.pick(SCENES)
    if k > 6:
        raise Skip
    weights = {"vivid imagery": 2, "simile": 2, "personification": 1.5, "metaphor": 1.8, "alliteration": 1,
               "show don't tell": 1.5, "dialogue writing": 1.6, "flashback": 1.2, "symbolism": 1.2, "foreshadowing": 1.5,
               "irony": 1.2}
    if force is not None and force not in weights:
        raise Skip
    chosen = []
    if force:
        chosen.append(force)
    pool = [d for d in DEVICE_ORDER if d not in chosen]
    while len(chosen) < k:
        tot = sum(weights[d] for d in pool)
        x = g.rng.random() * tot
        for d in pool:
            x -= weights[d]
            if x <= 0:
                break
        chosen.append(d)
        pool.remove(d)
    chosen = [d for d in DEVICE_ORDER if d in chosen]
    form = g.pick(["a short scene", "a short story opening", "a paragraph of flash fiction", "a few sentences of a story"])
    asks = [DEVICE_ASK[d] for d in chosen]
    q = g.pick(["Write {form} about {topic} using {asks}.", "Can you write {form} about {topic}? Use {asks}.",
                "I'd like {form} about {topic} with {asks}.", "Give me {form} set around {topic}, with {asks}."]).format(
        form=form, topic=sc["topic"], asks=join_and(asks))
    body = [sc["open"]] + [sc[DEVICE_KEY[d]] for d in chosen]
    return q, " ".join(body), chosen


@archetype("stories", 1.3)
def a_identify_device(g: Gen, k: int, force=None):
    sc = g.pick(SCENES)
    dev = force if force in DEVICE_KEY else g.pick(["simile", "metaphor", "personification", "alliteration", "foreshadowing",
                                                   "irony", "symbolism", "vivid imagery", "show don't tell"])
    if force is not None and force not in DEVICE_KEY and force not in ("explaining to a novice", "quiz writing"):
        raise Skip
    line = sc[DEVICE_KEY[dev]]
    why = {"simile": "it compares two unlike things directly with 'like' or 'as'",
           "metaphor": "it says one thing is another, without 'like' or 'as', to carry over a quality",
           "personification": "it gives an object human behaviour or feelings",
           "alliteration": "nearby words start with the same consonant sound",
           "foreshadowing": "it plants a detail that hints at trouble later in the story",
           "irony": "the outcome is the opposite of what was expected or intended",
           "symbolism": "an object is made to stand for a larger idea",
           "vivid imagery": "it piles up concrete sensory details: smells, sounds and sights",
           "show don't tell": "it lets an action reveal the feeling instead of naming it"}[dev]
    name = {"show don't tell": "showing rather than telling"}.get(dev, dev)
    q = g.pick(["Which literary device is used here: \"{l}\"", "What technique is the writer using in this line? \"{l}\"",
                "Name the device in: \"{l}\""]).format(l=line)
    a = f"This is {name}: {why}."
    extras = {"explaining to a novice": ("explain it for a twelve-year-old",
                                         "A simple way to remember it: " + {
                                             "simile": "if you can spot 'like' or 'as' joining two different things, it's a simile.",
                                             "metaphor": "a metaphor pretends something really is something else, just for the picture it makes.",
                                             "personification": "ask yourself whether the thing could really do that; if only a person could, it's personification.",
                                             "alliteration": "say the words out loud and listen for the same first sound repeating.",
                                             "foreshadowing": "it's the writer winking at you about what will happen next.",
                                             "irony": "it's when things turn out the opposite way from what you'd expect.",
                                             "symbolism": "a symbol is a thing that quietly means something bigger, like a flag means a country.",
                                             "vivid imagery": "good imagery makes you feel as if you were standing there.",
                                             "show don't tell": "instead of saying 'he was nervous', the writer shows what nervous people do."}[dev]),
              "quiz writing": ("turn it into a quiz question with wrong options",
                               f"Quiz: 'Which device is in the line above? (a) {name} (b) "
                               + ("onomatopoeia" if dev != "simile" else "metaphor") + " (c) "
                               + ("hyperbole" if dev != "hyperbole" else "understatement") + " (d) a rhetorical question' - answer (a).")}
    skills, tq, ta = finish(g, [dev], extras, k, force if force in extras else None,
                            {"explaining to a novice": 2, "quiz writing": 1.2})
    return glue(q, tq), glue(a, ta), skills


POEMS = [
    dict(topic="houseplants", form="ABCB rhyme in lines of about eight syllables",
         lines=["The fern upon the windowsill", "leans out to drink the morning light;", "it sulks all week if I forget,",
                "then sighs and greens again by night."],
         devices={"personification": "make the plant seem human"}),
    dict(topic="rainy summers", form="ABCB rhyme in iambic tetrameter",
         lines=["The deckchairs huddle by the door,", "the barbecue is full of rain;", "July drums fingers on the roof",
                "and taps its nails against the pane."],
         devices={"personification": "give the weather human gestures", "vivid imagery": "paint the scene vividly"}),
    dict(topic="night buses", form="ABCB rhyme in iambic tetrameter",
         lines=["The night bus hums along the street,", "a lantern sliding through the dark;", "it ferries nurses home to sleep",
                "past shuttered shops and silent park."],
         devices={"metaphor": "use a metaphor for the bus", "alliteration": "include some alliteration"}),
    dict(topic="birdwatching", form="ABCB rhyme in iambic tetrameter",
         lines=["At dawn I crouch beside the reeds,", "as still as any fencing post,", "until a heron, grey and slow,",
                "steps out as softly as a ghost."],
         devices={"simile": "use similes", "vivid imagery": "make the scene easy to picture"}),
    dict(topic="a snow day", form="ABCB rhyme in iambic tetrameter",
         lines=["The snow came down without a sound", "and tucked the town in overnight;", "the buses stayed in bed till noon,",
                "the schoolyard wore a coat of white."],
         devices={"personification": "personify the town and the snow", "metaphor": "end on a metaphor"}),
    dict(topic="composting", form="rhyming couplets (AABB) of eight syllables",
         lines=["Potato peel and apple core,", "and coffee grounds, and something more:", "the worms will work the winter through",
                "and give the garden back to you."],
         devices={"alliteration": "use alliteration", "vivid imagery": "list concrete, homely details"}),
    dict(topic="a power cut", form="ABCB rhyme in iambic tetrameter",
         lines=["The lights went out at half past eight;", "the fridge fell silent, sulked and sighed;", "we found the candles, lit the way,",
                "and told old stories side by side."],
         devices={"personification": "personify an appliance", "alliteration": "add alliteration"}),
    dict(topic="the weekly farmers' market", form="ABCB rhyme in iambic tetrameter",
         lines=["The stalls go up at break of day", "with peaches piled like setting suns;", "the baker shouts his prices out",
                "and sells the last of Sunday's buns."],
         devices={"simile": "include a simile", "vivid imagery": "make it colourful and concrete"}),
    dict(topic="board game nights", form="ABCB rhyme in iambic tetrameter",
         lines=["The dice are thrown, the cards are dealt,", "my brother swears the rules are new;", "the board's a battlefield by nine,",
                "and no one's speaking by half two."],
         devices={"metaphor": "use a metaphor", "hyperbole": "exaggerate for comic effect"}),
    dict(topic="train delays", form="ABAB rhyme in iambic tetrameter",
         lines=["The board says 'soon', the board says 'late',", "the board has nothing more to say;", "we stand like statues at the gate",
                "and watch the minutes drift away."],
         devices={"anaphora": "repeat the opening words", "simile": "use a simile", "personification": "give the board a voice"}),
    dict(topic="a lost cat", form="rhyming couplets (AABB) of eight syllables",
         lines=["Her bowl is full, her basket bare,", "her collar bell is on the chair;", "I leave the window open wide",
                "in case the night brings her inside."],
         devices={"symbolism": "let one object stand for her absence", "alliteration": "use alliteration"}),
    dict(topic="urban gardening", form="rhyming couplets (AABB) of eight syllables",
         lines=["Between the bins and rusting rails,", "a row of pots, a stack of pails:", "the basil bows to every bee,",
                "the mint grows wild and green and free."],
         devices={"personification": "personify a plant", "alliteration": "use alliteration", "vivid imagery": "show the balcony clearly"}),
]


@archetype("stories", 1.6)
def a_poem(g: Gen, k: int, force=None):
    p = g.pick(POEMS)
    chosen = g.choose(["rhyme and meter"], {d: 1.0 for d in p["devices"]}, k, force)
    form = g.pick(["a four-line poem", "a short rhyming poem", "a quatrain", "a little verse"])
    q = g.pick(["Write {form} about {topic}.", "Can you write {form} about {topic} with a steady rhythm?",
                "I need {form} about {topic} for our newsletter."]).format(form=form, topic=p["topic"])
    asks = [p["devices"][d] for d in chosen]
    poem = "\n".join(p["lines"])
    art = "an " if p["form"][0] in "AEIOU" else ""
    note = g.pick(["It uses {f}.", "Form: {f}.", "I kept to {f} so it reads aloud smoothly.",
                   "The verse follows {f}."]).format(f=art + p["form"])
    return glue(q, ask_more(g, asks)), poem + "\n\n" + note, ["rhyme and meter"] + chosen


PREMISES = [
    dict(p="a retired lighthouse keeper who has to teach a teenager to sail",
         acts="Act one sets up the grumpy keeper and the teenager sent to him for the summer; act two brings failed lessons, a capsized dinghy and a grudging truce; in act three a storm forces the teenager to sail alone to fetch help.",
         arc="The keeper starts out shutting people out and ends by asking the teenager to come back next summer, so his change is from isolation to trust.",
         fore="Plant early that the keeper's radio is unreliable, so it matters when the storm comes.",
         flash="A flashback to the night the keeper failed to save a boat explains why he stopped sailing.",
         symbol="The lighthouse lamp, switched off since he retired, can stand for his shut-down heart and be lit again at the end."),
    dict(p="two rival bakers on the same street who must cater one wedding together",
         acts="The setup shows the feud and the impossible order; the middle is a disastrous joint kitchen and a ruined cake; the climax is an all-night rescue bake that only works when they combine their recipes.",
         arc="Each baker moves from pride in their own way to respect for the other's skill.",
         fore="Mention early that one baker secretly admires the other's bread.",
         flash="A flashback shows they once trained under the same master baker, which explains the rivalry.",
         symbol="A shared sourdough starter, split between them years ago, can stand for their broken friendship."),
    dict(p="a girl who finds a letter addressed to her, dated fifty years ago",
         acts="First the letter arrives and the mystery is set; then her search through the town archive and old neighbours raises the stakes; finally she finds the writer, now very old, and learns why the letter was never sent.",
         arc="She goes from bored and restless to someone who listens to older people's stories.",
         fore="Show early that her grandmother becomes quiet whenever the old mill is mentioned.",
         flash="The letter itself can open a flashback to the summer it was written.",
         symbol="The unopened envelope can stand for the things families never say to each other."),
    dict(p="a bus driver on the last route before the depot closes for good",
         acts="The setup is the final day and the regular passengers; the middle brings a breakdown and the passengers' stories as they wait; the resolution is the passengers finishing the route with him on foot.",
         arc="The driver moves from quiet bitterness about the closure to gratitude for the community he served.",
         fore="Have the mechanic warn him that morning about the clutch.",
         flash="A flashback to his first day, when the same old woman sat in the front seat, gives weight to the ending.",
         symbol="His worn route map, folded soft as cloth, can stand for thirty years of the town's life."),
    dict(p="a robot vacuum cleaner that becomes convinced the family is in danger",
         acts="Act one establishes the vacuum's routine and its strange readings; act two has its warnings misread as malfunctions; in act three it leads the family out just before a gas leak is found.",
         arc="The family's teenage son moves from mocking the machine to defending it.",
         fore="Early on, the vacuum keeps avoiding one corner of the kitchen.",
         flash="A flashback to the day it was bought cheap at a house clearance hints at its past owner.",
         symbol="The blinking red light can stand for warnings people ignore."),
    dict(p="a choir that loses its conductor a week before the big concert",
         acts="The setup is the announcement and the panic; the middle is rehearsals led in turn by members, with arguments and one glorious success; the climax is the concert conducted by the shyest singer.",
         arc="The shy alto discovers she can lead, moving from hiding in the back row to standing in front.",
         fore="Let the conductor mention early that the alto once studied music.",
         flash="A flashback to the alto's last solo, which went badly at school, explains her fear.",
         symbol="The conductor's baton, left behind on the piano, can stand for leadership nobody feels ready to pick up."),
    dict(p="a man who inherits his estranged brother's allotment",
         acts="Act one is the funeral and the unwanted allotment; act two is a year of failures, neighbours' advice and finding his brother's notebooks; act three is the harvest show where he enters his brother's prize onions.",
         arc="He moves from resentment to understanding his brother through the care he put into the soil.",
         fore="Show early that the neighbouring plot-holder knows more about the brother than he admits.",
         flash="The notebooks can trigger flashbacks to the brothers gardening together as children.",
         symbol="The onion seeds saved in an old tin can stand for what the brothers could still pass on."),
    dict(p="a night watchman at a museum who notices an exhibit moving a little each night",
         acts="First the odd discovery and his disbelief; then the investigation, the curator's dismissal and his nightly vigil; finally he discovers a child hiding in the museum and the mystery turns into a rescue.",
         arc="The watchman goes from going through the motions to caring fiercely about his job and the child.",
         fore="Mention early that sandwiches have been disappearing from the staff room.",
         flash="A flashback to his own childhood running away to a railway station gives him the insight to understand the child.",
         symbol="The museum's old clock, which he winds every night, can stand for the routine he breaks free of."),
]


@archetype("stories", 1.5)
def a_plot(g: Gen, k: int, force=None):
    p = g.pick(PREMISES)
    q = g.pick(["Help me plot a short story about {p}.", "Give me a plot outline for a story about {p}.",
                "I want to write a story about {p}. How should it be structured?"]).format(p=p["p"])
    a = p["acts"]
    extras = {"character development": ("show how the main character changes", p["arc"]),
              "foreshadowing": ("suggest something to foreshadow", p["fore"]),
              "flashback": ("tell me where a flashback would help", p["flash"]),
              "symbolism": ("suggest a symbol", p["symbol"])}
    skills, tq, ta = finish(g, ["plot structure"], extras, k, force,
                            {"character development": 3, "foreshadowing": 1.5, "flashback": 1.2, "symbolism": 1.2})
    return glue(q, tq), glue(a, ta), skills


DIALOGUES = [
    dict(sum="Anna tells her flatmate she is moving out, and the flatmate is hurt but pretends not to care.",
         d="'I've found a place nearer work,' Anna said. 'Great,' said Jo, scrubbing a pan that was already clean. 'More cupboard space for me.'",
         sub="Jo's 'Great' and the pointless scrubbing carry the hurt she will not say out loud.",
         char="Jo is the kind of person who jokes instead of admitting she will be lonely, which a later scene can crack open.",
         show="Nobody says 'hurt' or 'upset'; the clean pan does that work."),
    dict(sum="A father asks his teenage son how school was, and the son is hiding that he was dropped from the football team.",
         d="'How was school?' Dad asked. 'Fine.' 'Training tonight?' 'Not tonight.' The boy took his boots out of his bag and pushed them under the stairs.",
         sub="'Not tonight' avoids the truth without lying, and hiding the boots tells the reader what happened.",
         char="The son protects his father from disappointment, which tells us a lot about their relationship.",
         show="The boots under the stairs show the loss instead of stating it."),
    dict(sum="Two old friends meet after ten years; one became rich, the other did not, and both feel awkward.",
         d="'You look well,' said Marco, eyeing the watch. 'You too,' said Ben. 'Still at the garage?' 'Still there. Somebody has to fix your cars.'",
         sub="The glance at the watch and the joke about fixing cars carry the envy and pride neither will admit.",
         char="Ben's joke shows he is proud of his work even if he feels judged, a trait the rest of the story can test.",
         show="The watch and the garage do the telling; neither man mentions money."),
    dict(sum="A customer complains about a cold meal and the waiter, exhausted, stays polite.",
         d="'This soup is cold.' 'I'm so sorry, I'll bring you a fresh bowl right away.' He took the plate, and in the kitchen he leaned against the fridge for three seconds before going back out.",
         sub="The polite line hides how close he is to breaking, which only the three seconds against the fridge reveal.",
         char="The waiter is someone who keeps going for others, a trait worth paying off later.",
         show="The pause against the fridge shows exhaustion better than any adjective."),
    dict(sum="A grandmother tells her granddaughter she is selling the family house, and the granddaughter tries to change her mind.",
         d="'The stairs are too much for me now,' Gran said. 'We could put in a rail.' 'We could.' 'And the garden, who'd look after the roses?' 'Whoever buys it, love.'",
         sub="Gran's calm short answers show that the decision is already made, while the granddaughter's practical offers are really pleas.",
         char="The granddaughter's attachment to the house is about her own childhood, which she begins to realise by the end.",
         show="The roses and the stairs let the reader feel what the house means without anyone saying 'I'm sad'."),
    dict(sum="A manager gives an employee bad news about a promotion while trying to soften it.",
         d="'You were very close,' said Dana. 'But?' 'But they went with experience this time.' 'Right. This time.' Sam nodded and straightened the stapler on the desk.",
         sub="Sam repeating 'this time' signals doubt that there will be a next time.",
         char="Sam's careful control, even the stapler, shows someone who will not make a scene and may quietly leave.",
         show="The straightened stapler replaces a paragraph about disappointment."),
]


@archetype("stories", 1.2)
def a_dialogue(g: Gen, k: int, force=None):
    d = g.pick(DIALOGUES)
    q = g.pick(["Turn this into a short dialogue: {s}", "Rewrite this as dialogue between the characters: {s}",
                "Write the conversation for this moment: {s}"]).format(s=d["sum"])
    a = d["d"]
    extras = {"reading subtext": ("let what's unsaid carry the meaning and point out where", d["sub"]),
              "show don't tell": ("show the feelings instead of naming them", d["show"]),
              "character development": ("say what it reveals about the character", d["char"])}
    skills, tq, ta = finish(g, ["dialogue writing"], extras, k, force,
                            {"reading subtext": 2, "show don't tell": 2, "character development": 1.2})
    return glue(q, tq), glue(a, ta), skills


# =========================================================================================================
# Area: theory of mind and social reasoning
# =========================================================================================================

FB_SETUPS = [
    ("the kitchen", "the last slice of cake", "in the blue tin", "in the fridge"),
    ("the office", "the spare key", "in the top drawer", "on the hook by the door"),
    ("the classroom", "the box of chalk", "on the teacher's desk", "in the cupboard"),
    ("the garden shed", "the secateurs", "in the red toolbox", "on the hook on the wall"),
    ("the living room", "the TV remote", "under the sofa cushion", "on the bookshelf"),
    ("the park", "a football", "under the bench", "in the sandpit"),
    ("the library", "a borrowed book", "on the returns trolley", "on the shelf by the window"),
    ("the hotel lobby", "an umbrella", "in the stand by the door", "in the lost-property box"),
    ("the car", "the parking ticket", "in the glove box", "in the door pocket"),
    ("the bathroom", "the hairdryer", "in the cabinet", "in the hall cupboard"),
]


@archetype("mind", 1.8)
def a_false_belief(g: Gen, k: int, force=None):
    place, obj, loc1, loc2 = g.pick(FB_SETUPS)
    a_, b_ = g.name(), None
    b_ = g.name(a_)
    options = {"second-order belief": 2, "perspective taking": 1.5, "emotion recognition": 1.2, "explaining to a novice": 0.8}
    extras = g.choose(["false belief reasoning"], options, k, force)
    q = (f"In {place}, {a_} puts {obj} {loc1} and goes out. While {a_} is away, {b_} moves it to {loc2.split(' ', 1)[1]}. "
         f"When {a_} comes back, where will they look first?")
    a = (f"{a_} will look {loc1}, because that is where they left {obj}, and they did not see it being moved; "
         f"their belief is out of date even though it is now {loc2}. What we know about the move does not change what {a_} knows.")
    parts, asks = [], []
    for e in extras:
        if e == "second-order belief":
            asks.append(f"tell me where {b_} thinks {a_} will look")
            parts.append(f"{b_}, who knows {a_} was away, should expect {a_} to look {loc1} too, so {b_} believes that {a_} "
                         f"holds a false belief.")
        elif e == "perspective taking":
            asks.append(f"describe it from {a_}'s point of view")
            parts.append(f"From {a_}'s side, nothing has changed: the last thing they saw was {obj} going {loc1}, so "
                         f"searching anywhere else would make no sense to them.")
        elif e == "emotion recognition":
            asks.append(f"say how {a_} will probably feel")
            parts.append(f"When {a_} finds nothing {loc1}, they will probably feel puzzled and then irritated, perhaps "
                         f"suspecting that someone took it.")
        elif e == "explaining to a novice":
            asks.append("explain why for a child")
            parts.append(f"A simple way to put it to a child: {a_} did not see what happened, so {a_}'s head still has the old "
                         f"picture in it.")
    return glue(q, ask_more(g, asks)), glue(a, *parts), ["false belief reasoning"] + extras


MESSAGES = [
    dict(m="Oh great, another Monday meeting about meetings.", cue="The giveaway is pairing 'great' with something almost nobody enjoys.", ctx="my colleague in the team chat", sarc=True,
         lit="It sounds enthusiastic on the surface, but 'oh great' and 'meetings about meetings' make it a complaint.",
         emo="The feeling behind it is frustration, probably mixed with tiredness about how time is being used.",
         sub="The unspoken point is that the meeting feels pointless and they would rather work.",
         intent="They probably want sympathy from the team, or to nudge whoever organises the meeting to shorten it.",
         reply="A friendly reply could be: 'Ha, agreed. Shall we suggest a 15-minute agenda?'"),
    dict(m="Sure, take all the time you need. It's not like the deadline is tomorrow.", cue="The giveaway is 'it's not like', which points straight at the deadline it pretends to dismiss.", ctx="my project partner", sarc=True,
         lit="The second sentence flips the first: they mean the opposite of 'take all the time you need'.",
         emo="They are anxious and annoyed about the deadline.",
         sub="They are saying, without saying it, that you are running late and it is affecting them.",
         intent="They want you to commit to a time for your part.",
         reply="You could answer: 'Fair point, sorry. I'll send my section by 6 tonight.'"),
    dict(m="I suppose the old logo was fine too.", ctx="our client, after seeing the new design", sarc=False, cue=None,
         lit="It is not sarcasm, but it is not praise either: 'I suppose... fine too' is a polite way of showing doubt.",
         emo="The feeling is mild disappointment or uncertainty.",
         sub="The subtext is that they are not convinced the new logo is better than the old one.",
         intent="They may be testing whether you can justify the change before they approve it.",
         reply="Ask gently: 'It sounds like the new one isn't quite there yet. What feels missing?'"),
    dict(m="No worries if not!", ctx="a friend at the end of a message asking me to help her move house", sarc=False, cue=None,
         lit="Taken literally it releases you, but it is mostly a politeness formula.",
         emo="She is probably a little anxious about asking and does not want to seem pushy.",
         sub="The unspoken part is that she would really appreciate the help.",
         intent="She wants help while giving you an easy way to decline.",
         reply="If you can't help, say so warmly and offer something smaller, like bringing lunch on moving day."),
    dict(m="Wow, you're in early today.", cue="The giveaway is the mismatch between the words and the actual time.", ctx="my manager when I arrived at 9:40", sarc=True,
         lit="Since 9:40 is later than usual, 'in early' is ironic.",
         emo="It may carry light irritation, or it may be teasing, depending on your manager's usual tone.",
         sub="The real message is that your arrival time was noticed.",
         intent="They probably want you to be on time without making it a formal issue.",
         reply="A good response is a short, friendly acknowledgement: 'Ha, trains were chaos. I'll be in on time tomorrow.'"),
    dict(m="It's fine. Do whatever you want.", ctx="my partner after I said I'd skip her sister's birthday", sarc=False, cue=None,
         lit="The words give permission, but 'it's fine' followed by 'whatever you want' usually means it is not fine.",
         emo="She is probably hurt and disappointed.",
         sub="The unspoken message is that your absence would matter to her.",
         intent="She may want you to understand, without having to ask, that she wants you there.",
         reply="It would help to say: 'It doesn't sound fine. Is it important to you that I come?'"),
    dict(m="Thanks for the reminder, I'd never have remembered on my own.", cue="The giveaway is the exaggerated gratitude after repeated reminders.", ctx="my flatmate, after my third reminder about the bins", sarc=True,
         lit="After three reminders, 'I'd never have remembered' is sarcastic.",
         emo="He is irritated and feels nagged.",
         sub="He is signalling that the reminders feel like you do not trust him.",
         intent="He wants the reminders to stop.",
         reply="You might agree a bin rota on the fridge so nobody has to remind anyone."),
    dict(m="Interesting choice of restaurant.", ctx="my aunt at the birthday dinner I organised", sarc=False, cue=None,
         lit="'Interesting' is doing the work of a criticism while staying polite.",
         emo="She is probably surprised or a little unimpressed.",
         sub="The subtext is that it is not what she would have chosen.",
         intent="She may just be voicing her taste, not asking for any change.",
         reply="Let it pass lightly: 'It's a bit different! Try the lamb, it's their best dish.'"),
]


@archetype("mind", 1.7)
def a_message(g: Gen, k: int, force=None):
    m = g.pick(MESSAGES)
    q = g.pick(["{ctx_c} wrote: \"{m}\" What do they actually mean?", "How should I read this from {ctx}: \"{m}\"",
                "Got this from {ctx}: \"{m}\" Are they upset?", "\"{m}\" That's what {ctx} said. Is it sarcastic?"]).format(
        ctx=m["ctx"], ctx_c=cap(m["ctx"]), m=m["m"])
    base = ["sarcasm detection"] if m["sarc"] else ["reading subtext"]
    a = glue(m["lit"], m["cue"]) if m["sarc"] else glue(m["lit"], m["sub"])
    extras = {"emotion recognition": ("tell me what they're feeling", m["emo"]),
              "intent inference": ("tell me what they want from me", m["intent"]),
              "politeness strategies": ("suggest a tactful reply", m["reply"])}
    w = {"emotion recognition": 2.5, "intent inference": 2, "politeness strategies": 1.5}
    if m["sarc"]:
        extras = {"reading subtext": ("spell out what's left unsaid", m["sub"]), **extras}
        w["reading subtext"] = 2
    skills, tq, ta = finish(g, base, extras, k, force, w)
    return glue(q, tq), glue(a, ta), skills


SUPPORT = [
    dict(s="my best friend just failed her driving test for the third time",
         say="Something as simple as 'I'm so sorry, that's really rotten luck' is a good start.",
         emp="Third time is really hard: she probably feels embarrassed as well as disappointed, and that is worth saying out loud to her.",
         listen="Ask her what happened and reflect it back, for example 'so the roundabout threw you, and after that you couldn't settle?', before offering any advice.",
         persp="From her side, every failed test costs money and confidence, and she may be comparing herself with friends who passed first time.",
         polite="Avoid 'you'll pass next time!' straight away; try 'That's so frustrating. Do you want to talk about it, or shall I just bring cake?'"),
    dict(s="a colleague told me his father is seriously ill",
         say="You could simply say: 'I'm so sorry to hear about your dad. I'm here if you need anything.'",
         emp="That is a lot to carry at work; a short, sincere acknowledgement matters more than finding the perfect words.",
         listen="If he wants to talk, ask open questions like 'how are you holding up?' and let him lead, rather than sharing your own stories.",
         persp="He may be juggling hospital visits, worry and deadlines, and may fear looking unreliable at work.",
         polite="Offer something concrete without pressure: 'If it helps, I can cover the Thursday call. Just say the word.'"),
    dict(s="my teenage son didn't get into the football team",
         say="Tell him plainly that you're sorry and that you know how much he wanted it.",
         emp="He is probably crushed, even if he shrugs it off, because being left out in front of friends stings.",
         listen="Let him tell you about the trial in his own words and repeat back what you hear, without rushing to fix it.",
         persp="At his age, the team is also about belonging, so the disappointment may be more social than sporting.",
         polite="Instead of criticising the coach, try 'That's really disappointing. What would you like to do next?'"),
    dict(s="my neighbour's dog died last week",
         say="Saying 'I'm so sorry about Max; he was such a lovely dog' acknowledges the loss without pressure.",
         emp="Losing a dog is losing a daily companion, and many people feel the grief is not taken as seriously as it should be.",
         listen="If she mentions the dog, ask about him, what he was like and their walks, and just listen.",
         persp="For her the quiet house and the empty lead by the door are reminders every single day.",
         polite="A short card saying 'I'll miss seeing Max on the corner every morning' is kind and does not ask anything of her."),
    dict(s="a friend was made redundant after twelve years at the same company",
         say="Start with 'That's a real blow, I'm sorry', before any talk of next steps.",
         emp="After twelve years it is not only a job but part of who he is, so shock, anger and worry can all come at once.",
         listen="Ask how he is really doing and reflect back what he says, such as 'it sounds like the way they told you hurt most'.",
         persp="He may be worrying about money and also about what to tell people when they ask what he does.",
         polite="Offer practical help gently, like reading his CV, and make it clear there is no pressure to take you up on it."),
    dict(s="my sister is stressed about her exams and snapping at everyone",
         say="Letting her know 'it's a lot, and it makes sense you're on edge' can lower the temperature.",
         emp="The snapping is probably the stress talking, and she may feel bad about it afterwards.",
         listen="Try 'it sounds like the exams are taking up all your headspace', then let her say more.",
         persp="From her side, every hour not revising feels like a risk, so interruptions feel bigger than they are.",
         polite="Rather than calling out the snapping, offer help: 'Want me to quiz you for twenty minutes after dinner?'"),
]


@archetype("mind", 1.8)
def a_support(g: Gen, k: int, force=None):
    s = g.pick(SUPPORT)
    q = g.pick(["{s_c}. What should I say?", "How do I support someone when {s}?", "{s_c}. I want to help but don't know how."]).format(
        s=s["s"], s_c=cap(s["s"]))
    a = glue(s["emp"], s["say"])
    extras = {"active listening": ("tell me how to listen well", s["listen"]),
              "perspective taking": ("help me see it from their side", s["persp"]),
              "politeness strategies": ("give me the words to use", s["polite"])}
    skills, tq, ta = finish(g, ["empathy"], extras, k, force,
                            {"active listening": 2.5, "perspective taking": 2, "politeness strategies": 1.5})
    return glue(q, tq), glue(a, ta), skills


CONFLICTS = [
    dict(c="my neighbour is furious that my tree drops leaves in his garden",
         listen="Reflect back what you heard before answering: 'So what bothers you most is raking up after my tree every weekend, is that right?'",
         emp="Name what he is feeling before anything else: 'You've raked the same leaves every weekend, no wonder you're fed up.'",
         calm="Start by acknowledging his frustration before any facts: 'I can see the leaves are a real nuisance for you.'",
         shared="Find the shared goal, a tidy garden and a good relationship, and propose something concrete, like trimming the overhanging branches in autumn.",
         concede="Concede what is fair: the leaves are from your tree, so offering to help clear them costs little.",
         persp="From his side, he rakes every weekend in autumn and feels his effort is undone by something he cannot control.",
         email="Subject: The tree by our fence. Dear Mr Patel, I'm sorry the leaves have been such a nuisance. I'd like to have the overhanging branches cut back in October; would a Saturday suit you? Best wishes, Anna"),
    dict(c="a customer is shouting at me about a delayed order",
         listen="Reflect back what you heard before answering: 'So you were promised it last week, and nobody called to say it would be late?'",
         emp="Let them hear that you get it: 'If I'd been waiting two weeks with no news, I'd be angry too.'",
         calm="Lower your voice rather than raising it, and name the problem: 'You've waited two weeks and nobody told you why. That's not OK.'",
         shared="Move to what you both want, the order arriving, and give one concrete next step with a time.",
         concede="Concede the failure honestly: the delay was our fault and the customer should have been told.",
         persp="From their side, they may have planned a birthday or a deadline around the delivery.",
         email="Subject: Your order 5521. Dear Ms Lopez, I'm sorry your order is late and that we did not warn you. It will now arrive on Thursday, and we have refunded the delivery charge. Kind regards, Customer Service"),
    dict(c="two people in my team are arguing about whose fault the missed deadline was",
         listen="Reflect back what you heard before answering: 'Let me check I've got both views: one of you says the spec changed late, the other that the handover was unclear?'",
         emp="Acknowledge each of them: 'You both put in long days on this, and it's frustrating to see it slip.'",
         calm="Pause the blame discussion: 'Let's leave who did what for now and figure out how to ship by Friday.'",
         shared="Refocus on the shared goal of getting the release out, then review the process later without naming names.",
         concede="Acknowledge that both had a point: the requirements changed late and the handover was unclear.",
         persp="Each probably feels they worked hard and are being blamed unfairly, which is why it is heated.",
         email="Subject: Plan for Friday's release. Hi both, thanks for your work this week. Let's meet at 10 to agree the remaining tasks, and we'll do a blame-free review next week. Thanks, Sam"),
    dict(c="my flatmate and I keep fighting about the washing-up",
         listen="Reflect back what you heard before answering: 'So for you the problem is less the dishes and more feeling that you always do them?'",
         emp="Say what you think they feel: 'I know coming home tired to a full sink is the last thing you need either.'",
         calm="Pick a calm moment rather than when the sink is full, and start with 'I' statements: 'I get stressed when the kitchen's full.'",
         shared="You both want a usable kitchen, so agree on a simple rule, like washing up the same evening or a weekly rota.",
         concede="Admit your own part, for example leaving mugs in your room, which makes it easier for them to admit theirs.",
         persp="Your flatmate may work late shifts and feel the rule is designed around your schedule.",
         email=None),
    dict(c="a parent at the school gate accused me of letting my child bully hers",
         listen="Reflect back what you heard before answering: 'So your daughter has come home upset several times and mentioned my son, have I understood that right?'",
         emp="Show that you take her fear seriously: 'If I thought my child was being hurt, I'd be upset too.'",
         calm="Do not argue on the spot: 'That's serious and I want to understand it. Can we talk properly, maybe with the teacher?'",
         shared="You both want the children to be safe and happy at school, which is a good starting point for a calmer meeting.",
         concede="Grant that her worry is genuine, even if you have not seen the behaviour yourself.",
         persp="From her side, she is frightened for her child and may have been holding this in for weeks.",
         email="Subject: Meeting about our children. Dear Mrs Ahmed, thank you for telling me about your concerns. I'd like to meet with you and Ms Clarke this week to understand what has happened. Best regards, Tom"),
]


@archetype("mind", 1.4)
def a_conflict(g: Gen, k: int, force=None):
    c = g.pick(CONFLICTS)
    q = g.pick(["{c_c}. How do I calm things down?", "How do I handle it when {c}?", "{c_c}. What should I do?"]).format(
        c=c["c"], c_c=cap(c["c"]))
    a = glue(c["calm"], c["shared"])
    extras = {"concession": ("tell me what I should admit", c["concede"]),
              "perspective taking": ("help me understand their side", c["persp"]),
              "empathy": ("help me show I understand how they feel", c["emp"])}
    extras["active listening"] = ("show them I'm really listening", c["listen"])
    w = {"concession": 1.2, "perspective taking": 2, "empathy": 2, "active listening": 1.5}
    if c["email"]:
        extras["professional email"] = ("draft a short follow-up message", "A follow-up could read: " + c["email"])
        w["professional email"] = 1.2
    skills, tq, ta = finish(g, ["de-escalation"], extras, k, force, w)
    return glue(q, tq), glue(a, ta), skills


INTENTS = [
    dict(b="my neighbour asked whether I'll be home on Saturday afternoon",
         i="Most likely she wants to arrange something that involves you, such as taking in a parcel, borrowing something or inviting you over.",
         sub="Asking about your plans first, rather than making the request, leaves both of you room to say no without awkwardness.",
         etiq="It is polite to answer and ask back: 'I should be, is there something I can help with?'",
         abd="A parcel is the most probable explanation if she has mentioned deliveries, while an invitation fits if she has been talking about a party."),
    dict(b="my manager asked me how busy I am next week",
         i="She probably has a new task or project in mind and is checking your capacity before asking.",
         sub="The question leaves you room to flag existing commitments before anything is assigned.",
         etiq="Answer honestly with specifics: 'Fairly full until Wednesday, then I have some room. What did you have in mind?'",
         abd="Given the team's new client, a new project is the most likely explanation, more than a performance concern."),
    dict(b="a friend keeps mentioning how expensive the concert tickets are",
         i="He may be hinting that he cannot afford to come, or that he hopes someone will help with the cost.",
         sub="Repeating the price instead of saying 'I can't come' saves face for him.",
         etiq="You could open a door without embarrassing him: 'If money's tight this month, we could do something cheaper instead.'",
         abd="If he has recently changed jobs or moved, money worries are the most plausible reason."),
    dict(b="a stranger on the train asked me what time it was even though there's a clock on the platform",
         i="He may simply not have seen the clock, or he may want to start a conversation.",
         sub="Questions like this are often a low-risk way to open a chat with a stranger.",
         etiq="Answer politely; whether you continue the conversation is up to you.",
         abd="If he then asks where you are going, conversation was probably the aim; if he just nods, he missed the clock."),
    dict(b="my colleague copied my boss into a reply to my email",
         i="She may want a record that she responded, or she may want the boss to see a disagreement.",
         sub="Adding a manager without warning often signals that she wants backing or wants to protect herself.",
         etiq="Reply calmly and keep it factual, then talk to her in person rather than escalating in writing.",
         abd="If the topic is a deadline she is worried about, self-protection is the likeliest explanation rather than hostility."),
    dict(b="my teenage daughter suddenly offered to do the washing-up",
         i="She may be preparing to ask for something, such as a later curfew or money, or she may just be in a good mood.",
         sub="An unprompted helpful act before a request is a classic way to make a yes more likely.",
         etiq="Thank her sincerely either way; you will find out soon enough.",
         abd="If there is a party this weekend, a request to go is the most likely explanation."),
]


@archetype("mind", 1.3)
def a_intent(g: Gen, k: int, force=None):
    x = g.pick(INTENTS)
    q = g.pick(["{b_c}. What do you think they want?", "Why might it be that {b}?", "{b_c}. What's behind that?"]).format(
        b=x["b"], b_c=cap(x["b"]))
    a = x["i"]
    extras = {"reading subtext": ("tell me what's implied", x["sub"]),
              "social etiquette": ("tell me the polite way to respond", x["etiq"]),
              "abductive reasoning": ("tell me which explanation is most likely and why", x["abd"])}
    skills, tq, ta = finish(g, ["intent inference"], extras, k, force,
                            {"reading subtext": 2, "social etiquette": 1.5, "abductive reasoning": 1})
    return glue(q, tq), glue(a, ta), skills


# =========================================================================================================
# Area: common sense
# =========================================================================================================

SAFETY = [
    dict(q="Can I put a metal spoon in the microwave with my soup?", dom="kitchen know-how",
         a="No: metal reflects microwaves, and a spoon with thin edges or near the walls can spark and damage the oven.",
         phys="The microwaves build up electric charge on the metal, and sharp edges concentrate it until it jumps as a spark.",
         dom_s="Stir the soup halfway through instead, using the spoon outside the microwave, so it heats evenly.",
         alt="If you need a cover, use a microwave-safe plate or lid instead of foil."),
    dict(q="Is it OK to mix bleach and vinegar to make a stronger cleaner?", dom="household know-how",
         a="No, never: bleach mixed with acids such as vinegar releases chlorine gas, which damages the lungs even in small amounts.",
         phys="The acid reacts with the hypochlorite in bleach and frees chlorine, which is why the smell suddenly sharpens.",
         dom_s="Use one product at a time and rinse the surface with water between them.",
         alt="For limescale, vinegar alone works well; for disinfecting, bleach diluted in cold water is enough."),
    dict(q="My pan of oil caught fire. Should I throw water on it?", dom="kitchen know-how",
         a="No: water sinks under the burning oil, boils instantly and throws the flaming oil out of the pan.",
         phys="Water is denser than oil and turns to steam at 100 °C, while the oil is far hotter, so the steam explodes upwards.",
         dom_s="Turn off the heat and slide a lid or baking tray over the pan to starve the fire of air, then leave it to cool.",
         alt="A damp tea towel, wrung out, can also smother a small pan fire if no lid is at hand."),
    dict(q="Can I stand on a swivel office chair to change a light bulb?", dom="household know-how",
         a="Better not: the chair can spin or roll as you shift your weight, and you will be reaching up with your hands busy.",
         phys="Casters and a swivel seat give almost no resistance to sideways forces, so leaning is enough to move it.",
         dom_s="Switch the light off at the wall, let the old bulb cool and use a proper step ladder.",
         alt="A sturdy kitchen chair without wheels, held by a second person, is a reasonable stand-in for a quick job."),
    dict(q="Is it safe to run the car engine in a closed garage to warm it up?", dom="household know-how",
         a="No: exhaust contains carbon monoxide, which builds up quickly in an enclosed space and can be deadly without any smell.",
         phys="Carbon monoxide is produced when fuel burns with limited air, and in a closed room nothing carries it away.",
         dom_s="Open the garage door fully before starting the engine, and drive out rather than idling inside.",
         alt="Modern engines warm up fastest by being driven gently, so idling is unnecessary anyway."),
    dict(q="Can I leave cooked rice out overnight and eat it tomorrow?", dom="kitchen know-how",
         a="It is not a good idea: spores of a common bacterium survive cooking and can multiply at room temperature, producing toxins that reheating does not destroy.",
         phys="Warm, moist rice is an ideal place for bacteria to grow, and the longer it sits between about 5 and 60 °C the more they multiply.",
         dom_s="Cool leftover rice quickly, spread in a shallow dish, refrigerate within an hour and eat it within a day.",
         alt="Freezing portions in flat bags is an easy way to keep cooked rice for longer."),
    dict(q="Is it fine to charge my phone under my pillow overnight?", dom="household know-how",
         a="Avoid it: chargers and phones get warm, and a pillow traps the heat, which can damage the battery and in rare cases start a fire.",
         phys="Charging produces heat that normally escapes into the air; fabric insulates, so the temperature keeps rising.",
         dom_s="Charge on a hard surface like a bedside table, using the original or a certified charger.",
         alt="If you use the phone as an alarm, a short cable to the table still keeps it within reach."),
    dict(q="Can I use a ladder on top of a table to reach the gutter?", dom="household know-how",
         a="No: the ladder's feet can slide off the table, and the extra height makes any fall much more dangerous.",
         phys="A ladder is only stable when its feet grip a firm, level surface; a table top is small and slippery.",
         dom_s="Use a ladder long enough on its own, set at about one metre out for every four up, on firm ground.",
         alt="Gutters can often be cleared from the ground with a telescopic gutter-cleaning pole."),
]


@archetype("common", 1.8)
def a_safety(g: Gen, k: int, force=None):
    s = g.pick(SAFETY)
    prefix = g.pick(["", "Quick question: ", "Silly question maybe. ", "My flatmate says it's fine. "])
    q = prefix + s["q"]
    a = s["a"]
    extras = {"physical reasoning": ("explain why physically", s["phys"]),
              s["dom"]: ("tell me what to do instead", s["dom_s"]),
              "object affordances": ("suggest an alternative with things I have at home", s["alt"])}
    skills, tq, ta = finish(g, ["safety awareness"], extras, k, force,
                            {"physical reasoning": 2, s["dom"]: 2, "object affordances": 1})
    return glue(q, tq), glue(a, ta), skills


PHYS = [
    dict(q="If I fill a glass to the brim with water and ice cubes, will it overflow when the ice melts?",
         a="No: floating ice already displaces exactly its own weight of water, and when it melts it becomes that same amount of water, so the level stays the same.",
         cause="Melting changes ice into water without changing its mass, so nothing extra is added to the glass.",
         energy="The heat to melt the ice comes from the surrounding water and air, which is why the drink gets colder as the ice melts.",
         exp="You can test it: fill a glass with ice and water to a marked line, wait an hour and check the mark.",
         novice="The ice floats because it is a bit puffed up compared with water, and when it melts it shrinks back into exactly the space it was pushing aside."),
    dict(q="Why does a can of soda left in the freezer sometimes burst?",
         a="Water expands by about 9 percent when it freezes, and the sealed can has no room to give, so the pressure splits it.",
         cause="The cold causes freezing, freezing causes expansion, and expansion in a rigid container causes the burst.",
         energy="Freezing releases heat into the freezer, so it takes a while, and the soda may first become slushy before the can fails.",
         exp="Try two plastic bottles, one full and one half full: only the full one will bulge or split.",
         novice="Ice takes up more room than water, and the can is like a shoe that is suddenly too small."),
    dict(q="Why does a bike feel more stable when it's moving than when it's standing still?",
         a="When it moves, the front wheel's steering geometry and the rider's small corrections keep the wheels under the centre of mass; standing still, there is nothing to correct a lean.",
         cause="A lean causes the bike to steer into the lean when moving, which brings the wheels back under you.",
         energy="Moving also means the bike carries kinetic energy, so small bumps change its path less.",
         exp="Push a bike without a rider at walking speed: it will often stay upright for a surprising distance before it falls.",
         novice="Riding is a bit like balancing a broom on your hand: you keep moving the bottom to stay under the top, and moving forward lets the bike do that."),
    dict(q="Why do my glasses fog up when I come inside on a cold day?",
         a="The lenses are cold, and the warm indoor air holds water vapour that condenses into tiny droplets when it touches the cold glass.",
         cause="The cold lens cools the air right next to it below its dew point, which causes condensation.",
         energy="As vapour condenses it gives up heat to the lens, which helps warm it, so the fog clears after a minute.",
         exp="Compare a cold spoon and a room-temperature spoon held over a cup of tea: only the cold one mists up.",
         novice="Warm air is carrying invisible water, and when it bumps into something cold it has to drop some of it."),
    dict(q="If I drop a bowling ball and a football from the same height, which lands first?",
         a="Almost together: gravity accelerates both at the same rate, and only air resistance, which slows the lighter football slightly more, makes a small difference.",
         cause="The heavier ball is pulled harder but also needs more force to speed up, and the two effects cancel.",
         energy="Both turn the same fraction of height into speed, because potential and kinetic energy both scale with mass.",
         exp="Drop them from a first-floor window onto grass while a friend films at ground level in slow motion.",
         novice="Heavy things are harder to get moving, and the extra pull of gravity exactly makes up for it."),
    dict(q="Why does a wet towel dry faster on a windy day than a still one, even at the same temperature?",
         a="Wind carries away the damp air next to the towel, so drier air keeps arriving and more water can evaporate.",
         cause="Still air next to the towel becomes saturated and slows evaporation; wind removes it.",
         energy="Each gram of water that evaporates takes heat from the towel and the air, which is why wet washing feels cold.",
         exp="Hang two identical damp cloths, one in front of a fan and one not, and weigh them every fifteen minutes.",
         novice="Water escapes from the towel into the air, and wind keeps bringing fresh, thirsty air to soak it up."),
    dict(q="Why is it harder to open a jar after it's been in the fridge?",
         a="The cold makes the air inside contract, lowering the pressure so the lid is pressed on harder, and the metal lid also shrinks tight onto the glass.",
         cause="Cooling causes contraction of both the air and the lid, and both effects tighten the seal.",
         energy="Running the lid under hot water adds heat to the metal, which expands faster than the glass and loosens it.",
         exp="Time how much effort it takes, or count turns with a rubber grip, for a cold jar and the same jar warmed up.",
         novice="The cold sucks the lid down a bit and squeezes it smaller, so it grips the jar harder."),
]


@archetype("common", 1.5)
def a_physics_q(g: Gen, k: int, force=None):
    p = g.pick(PHYS)
    q = g.pick(["{q}", "My kid asked me this and I wasn't sure: {ql}", "Settle a debate: {ql}"]).format(
        q=p["q"], ql=p["q"][0].lower() + p["q"][1:])
    a = p["a"]
    extras = {"cause and effect": ("spell out the chain of cause and effect", p["cause"]),
              "energy reasoning": ("say where the energy goes", p["energy"]),
              "experimental design": ("suggest a simple home experiment to check", p["exp"]),
              "explaining to a novice": ("explain it for a ten-year-old", p["novice"])}
    skills, tq, ta = finish(g, ["physical reasoning"], extras, k, force,
                            {"cause and effect": 2, "energy reasoning": 1.5, "experimental design": 1.2, "explaining to a novice": 1.5})
    return glue(q, tq), glue(a, ta), skills


def hhmm(m):
    m %= 24 * 60
    return f"{m // 60:02d}:{m % 60:02d}"


def dur(m):
    h, mm = divmod(m, 60)
    if h and mm:
        return f"{h} h {mm} min"
    return f"{h} h" if h else f"{mm} min"


@archetype("common", 1.6)
def a_timing(g: Gen, k: int, force=None):
    options = {"mental arithmetic": 2, "scheduling": 1.5, "contingency planning": 1}
    extras = g.choose(["temporal reasoning"], options, k, force)
    kind = g.pick(["train", "cake", "flight", "meeting"])
    if kind == "train":
        dep = g.randint(6 * 60, 20 * 60) // 5 * 5
        d = g.randint(70, 290) // 5 * 5
        walk = g.randint(10, 30)
        q = (f"My train leaves at {hhmm(dep)} and the journey takes {dur(d)}. From the station it's a {walk}-minute walk to the "
             f"venue. When will I get there?")
        arr = dep + d + walk
        a = f"You will reach the station at {hhmm(dep + d)} and the venue at about {hhmm(arr)}."
        arith = f"{hhmm(dep)} plus {dur(d)} is {hhmm(dep + d)}, and {walk} more minutes makes {hhmm(arr)}."
        sched = f"If the event starts on the hour after that, you have {((arr // 60 + 1) * 60 - arr)} minutes spare, enough for a coffee but not a detour."
        cont = f"If the train is 20 minutes late you would arrive at {hhmm(arr + 20)}, so note the next train's time and the organiser's phone number."
    elif kind == "cake":
        guests = g.randint(15 * 60, 20 * 60) // 15 * 15
        bake = g.pick([35, 40, 45, 50, 55, 60])
        cool = g.pick([30, 45, 60])
        prep = g.pick([15, 20, 25, 30])
        q = (f"Guests arrive at {hhmm(guests)}. The cake needs {prep} minutes of preparation, {bake} minutes in the oven and "
             f"{cool} minutes to cool before icing. When do I have to start?")
        start = guests - prep - bake - cool
        a = f"Work backwards: start preparing by {hhmm(start)}, get it in the oven at {hhmm(start + prep)} and out at {hhmm(start + prep + bake)}."
        arith = f"{prep} + {bake} + {cool} = {prep + bake + cool} minutes, and {hhmm(guests)} minus that is {hhmm(start)}."
        sched = f"Preheat the oven around {hhmm(start + prep - 15)}, so it is hot when the batter is ready."
        cont = "If it is still warm at the last minute, serve it un-iced with cream on the side rather than watching the icing slide off."
    elif kind == "flight":
        dep = g.randint(7 * 60, 22 * 60) // 5 * 5
        d = g.randint(90, 420) // 5 * 5
        tz = g.pick([-6, -5, -1, 1, 2, 3])
        q = (f"My flight leaves at {hhmm(dep)} local time and takes {dur(d)}. The destination is {abs(tz)} hour"
             f"{'s' if abs(tz) > 1 else ''} {'ahead of' if tz > 0 else 'behind'} us. What time will it be there when I land?")
        arr = dep + d + tz * 60
        day = "" if 0 <= (dep + d + tz * 60) < 24 * 60 else (" the next day" if dep + d + tz * 60 >= 24 * 60 else " the previous day (by the clock)")
        a = f"You land at {hhmm(arr)} local time{day}."
        arith = f"{hhmm(dep)} plus {dur(d)} is {hhmm(dep + d)} on your home clock, then {'+' if tz > 0 else '-'}{abs(tz)} h for the time difference gives {hhmm(arr)}."
        sched = "Book any onward train at least 90 minutes after landing to allow for passport control and baggage."
        cont = "If you miss the last connection, check in advance whether the airport has a night bus or a hotel you could walk to."
    else:
        start = g.randint(8 * 60, 15 * 60) // 15 * 15
        n = g.randint(3, 6)
        each = g.pick([10, 15, 20, 25])
        brk = g.pick([0, 10, 15])
        q = (f"Our workshop starts at {hhmm(start)} with {n} talks of {each} minutes each, and a {brk}-minute break after the "
             f"second talk. When does it end?") if brk else (
            f"Our workshop starts at {hhmm(start)} with {n} talks of {each} minutes back to back. When does it end?")
        end = start + n * each + brk
        a = f"It ends at {hhmm(end)}, assuming every talk keeps to time."
        arith = f"{n} × {each} = {n * each} minutes of talks" + (f", plus {brk} minutes of break, is {n * each + brk} minutes." if brk else ".")
        sched = "Build in two or three minutes between talks for speakers to change over, or the day will run late."
        cont = "If a speaker overruns, shorten the questions of the next talk rather than the break."
    parts, asks = [], []
    for e in extras:
        if e == "mental arithmetic":
            asks.append("show the calculation")
            parts.append(arith)
        elif e == "scheduling":
            asks.append("help me plan around it")
            parts.append(sched)
        elif e == "contingency planning":
            asks.append("tell me what to do if something runs late")
            parts.append(cont)
    return glue(q, ask_more(g, asks)), glue(a, *parts), ["temporal reasoning"] + extras


@archetype("common", 1.2)
def a_fit(g: Gen, k: int, force=None):
    options = {"geometry": 2.5, "unit conversion": 1.2, "physical reasoning": 1}
    extras = g.choose(["spatial reasoning"], options, k, force)
    kind = g.pick(["sofa", "hatch", "bookcase"])
    use_in = "unit conversion" in extras
    if kind == "sofa":
        w = g.randint(75, 95)
        dh = g.randint(195, 210)
        depth = g.randint(80, 100)
        ln = g.randint(180, 240)
        diag = math.hypot(w, dh)
        q_dims = (f"{round(depth / 2.54)} inches deep and {round(ln / 2.54)} inches long" if use_in else f"{depth} cm deep and {ln} cm long")
        q = f"Will a sofa {q_dims} fit through a door {w} cm wide and {dh} cm high?"
        fits_flat = depth <= w
        a = ("Yes: carried on its back or side, its depth of " + f"{depth} cm is narrower than the {w} cm door, so it goes straight through."
             if fits_flat else
             f"Not flat: its {depth} cm depth is wider than the {w} cm door, but stood on end and tilted it may pass, because the door's diagonal is longer than either side.")
        geo = f"The door's diagonal is √({w}² + {dh}²) ≈ {diag:.0f} cm, which is the longest straight object that can pass through it on the slant."
        conv = f"In centimetres the sofa is about {depth} cm deep and {ln} cm long (1 inch = 2.54 cm)."
        phys = "Remove the legs first and pivot it around the door frame, rather than pushing straight, since the arms snag before the body does."
    elif kind == "hatch":
        bw = g.randint(85, 115)
        ha, hb = g.randint(55, 75), g.randint(55, 75)
        diag = math.hypot(ha, hb)
        q_b = f"{round(bw / 2.54)} inches wide" if use_in else f"{bw} cm wide"
        q = f"Can I get a sheet of plasterboard {q_b} up through a loft hatch that is {ha} by {hb} cm?"
        fits = bw < diag - 3
        a = ("Yes, if you pass it through on the diagonal" if fits else "No, not without cutting it") + \
            f": the board is {bw} cm wide and the widest thin object the hatch takes is about {diag:.0f} cm, corner to corner."
        geo = f"The hatch's diagonal is √({ha}² + {hb}²) ≈ {diag:.0f} cm, and a board has to be a few centimetres narrower than that to allow for its thickness."
        conv = f"{round(bw / 2.54)} inches is about {bw} cm, since one inch is 2.54 cm."
        phys = ("Angle the leading edge up first and have someone in the loft take the weight as it comes through."
                if fits else "Cut it lengthwise into two narrower strips, which is usually easier to handle in a loft anyway.")
    else:
        ch = g.randint(235, 260)
        bh, bd = g.randint(200, 240), g.randint(30, 45)
        diag = math.hypot(bh, bd)
        q_b = (f"{round(bh / 2.54)} inches tall and {round(bd / 2.54)} inches deep" if use_in else f"{bh} cm tall and {bd} cm deep")
        q = f"I'm assembling a bookcase {q_b} lying on the floor. Can I stand it up in a room with a {ch} cm ceiling?"
        ok = diag < ch
        a = ("Yes, " if ok else "No, not by tipping it up: ") + \
            f"as it tips up, its corner sweeps a diagonal of about {diag:.0f} cm, which is {'less' if ok else 'more'} than the {ch} cm ceiling."
        geo = f"The diagonal is √({bh}² + {bd}²) ≈ {diag:.0f} cm, because the corner furthest from the pivot traces a circle of that radius."
        conv = f"In centimetres the bookcase is {bh} cm by {bd} cm, since one inch is 2.54 cm."
        phys = ("Tip it from the side rather than the front if that dimension is shallower, and have a second person steady it."
                if ok else "Assemble it upright instead, or tip it from the shallower side if the maths works for that dimension.")
    parts, asks = [], []
    for e in extras:
        if e == "geometry":
            asks.append("show the geometry")
            parts.append(geo)
        elif e == "unit conversion":
            asks.append("convert the inches for me")
            parts.append(conv)
        elif e == "physical reasoning":
            asks.append("give me a practical tip for moving it")
            parts.append(phys)
    return glue(q, ask_more(g, asks)), glue(a, *parts), ["spatial reasoning"] + extras


AFFORD = [
    dict(s="I'm camping and forgot the can opener", a="Rub the rim of the can on a flat rough stone or concrete until the seal thins, then squeeze the sides and the lid pops off; a sturdy spoon pressed and rocked around the rim also works.",
         safe="Watch the sharp edge afterwards and pour the food out rather than eating straight from the can.",
         know="Pack a small folding opener next time; it weighs less than a spoon."),
    dict(s="I need a rolling pin but don't have one", a="A clean wine bottle, filled with cold water and with the label removed, rolls pastry perfectly well, and the cold keeps the butter firm.",
         safe="Check the bottle for chips before you lean on it.", know="Dust the bottle with flour so the dough does not stick."),
    dict(s="the zip on my jacket keeps getting stuck", a="Rub a graphite pencil or a bar of soap along the teeth; both act as a dry lubricant.",
         safe="Do not force it with pliers, which can bend the slider.", know="A candle stub works too, and it also makes drawers slide more easily."),
    dict(s="I need to keep a door open in a draught and there's no doorstop", a="A folded towel wedged under the door, or a heavy book on the floor against it, holds it open; a rubber glove slipped over both handles stops it from latching.",
         safe="Never prop fire doors open; they are meant to close on their own.", know="A small bag of sand makes a neat, permanent doorstop."),
    dict(s="I have no funnel to refill a small bottle", a="Cut the top off a plastic bottle and use it upside down, or roll a sheet of baking paper into a cone.",
         safe="Do not reuse a bottle funnel for fuel or chemicals afterwards.", know="Pour slowly and leave a little air gap so the liquid does not glug back out."),
    dict(s="my phone needs a stand for a video call", a="An open book with the phone leaning in the spine, or a mug with the phone propped against it, gives a steady angle.",
         safe="Keep drinks well away if you use a mug as the stand.", know="A binder clip clamped to the phone's bottom edge makes a tiny tripod."),
    dict(s="I need to find a small screw I dropped on the carpet", a="Pull a stocking or thin sock over the vacuum nozzle and hoover slowly: the screw is caught on the fabric instead of disappearing into the bag.",
         safe="Switch off any nearby device the screw came from before crawling around it.", know="A magnet on a string also sweeps up steel screws from thick carpet."),
]


@archetype("common", 1.2)
def a_afford(g: Gen, k: int, force=None):
    x = g.pick(AFFORD)
    q = g.pick(["{s_c}. What can I use instead?", "{s_c}. Any ideas?", "Household hack needed: {s}."]).format(s=x["s"], s_c=cap(x["s"]))
    a = x["a"]
    extras = {"safety awareness": ("tell me anything to be careful about", x["safe"]),
              "household know-how": ("add one more practical tip", x["know"])}
    skills, tq, ta = finish(g, ["object affordances"], extras, k, force, {"safety awareness": 1.5, "household know-how": 1.5})
    return glue(q, tq), glue(a, ta), skills


@archetype("common", 1.5)
def a_plausible(g: Gen, k: int, force=None):
    options = {"mental arithmetic": 2, "fermi estimation": 1.2, "unit conversion": 0.8, "temporal reasoning": 1}
    extras = g.choose(["plausibility checking"], options, k, force)
    kinds = ["drive", "walk", "kettle", "marathon"] + ([] if "unit conversion" in extras else ["books"])
    kind = g.pick(kinds)
    who = g.name()
    if kind == "drive":
        km = g.randint(60, 160)
        mins = g.randint(25, 45)
        v = km / (mins / 60)
        q = f"{who} says they drove {km} km across the country, mostly on country roads, in {mins} minutes. Is that believable?"
        a = f"Hardly: that is an average of {v:.0f} km/h, far above any speed limit on country roads, so the time or distance must be off."
        arith = f"{km} km in {mins} minutes is {km} ÷ {mins / 60:.2f} h ≈ {v:.0f} km/h."
        fermi = f"At a realistic 70 km/h average, {km} km takes about {km / 70 * 60:.0f} minutes."
        conv = f"That is about {v / 1.609:.0f} miles per hour."
        temp = f"Even leaving at {hhmm(9 * 60)}, they would not have arrived before about {hhmm(9 * 60 + round(km / 70 * 60))} at a legal pace."
    elif kind == "walk":
        km = g.randint(25, 40)
        h = g.pick([2, 3])
        v = km / h
        q = f"My neighbour claims he walked {km} km in {h} hours, just strolling. Plausible?"
        a = f"Not while strolling: that is {v:.1f} km/h, while a relaxed walk is about 4-5 km/h and even fast race walking is only around 12-14 km/h."
        arith = f"{km} ÷ {h} = {v:.1f} km per hour."
        fermi = f"At 5 km/h a stroll of {km} km takes about {km / 5:.0f} hours, so a whole day."
        conv = f"In miles that is {km / 1.609:.0f} miles at {v / 1.609:.1f} mph."
        temp = f"Starting at 10:00 at a normal pace, he would finish around {hhmm(10 * 60 + round(km / 5 * 60))}, not by {hhmm((10 + h) * 60)}."
    elif kind == "books":
        n = g.randint(120, 300)
        q = f"A teenager in my class says she read {n} novels last month. Could that be true?"
        per = n / 30
        a = f"Very unlikely: that is {per:.0f} novels a day, and at about 6-8 hours per novel it would take more hours than a day has."
        arith = f"{n} novels in 30 days is {per:.1f} a day; at 7 hours each that is {per * 7:.0f} hours a day."
        fermi = "A keen reader might manage one short novel a day in the holidays, so 20-30 in a month is already exceptional."
        conv = f"If she meant pages rather than books, {n} pages a day would be entirely believable."
        temp = "Even reading through every weekend, school days leave perhaps three or four free hours."
    elif kind == "kettle":
        kwh = g.randint(30, 90)
        q = f"My electricity app says our kettle used {kwh} kWh last month. Does that sound right?"
        boils = kwh / 0.1
        a = f"It seems far too high: a typical boil of a litre uses about 0.1 kWh, so {kwh} kWh would be about {boils:.0f} boils, or {boils / 30:.0f} a day."
        arith = f"{kwh} ÷ 0.1 = {boils:.0f} boils; divided by 30 days that is {boils / 30:.0f} per day."
        fermi = "A household boiling the kettle eight times a day would use roughly 8 × 0.1 × 30 ≈ 24 kWh a month at most."
        conv = f"{kwh} kWh is {kwh * 3.6:.0f} megajoules, enough to heat about {kwh * 3.6 / 0.34:.0f} litres of water from tap temperature to boiling."
        temp = "Check whether the app's month actually covers 30 days or whether it lumped in several months of data."
    else:
        mins = g.randint(125, 150)
        q = f"{who} swears their uncle ran a marathon in {dur(mins)} at age 60 on his first try. Is that plausible?"
        pace = mins / 42.195
        a = f"Extremely unlikely: {dur(mins)} is a pace of about {pace:.1f} minutes per km, and even very experienced runners in their sixties rarely finish under three hours."
        arith = f"{mins} minutes ÷ 42.2 km ≈ {pace:.2f} min per km."
        fermi = "Most first-time marathon runners finish in four to five hours, which is two to three times longer."
        conv = f"That pace is about {60 / pace:.1f} km/h, or {60 / pace / 1.609:.1f} mph, sustained for over 42 km."
        temp = "Perhaps it was a half marathon, where a time like that would be good but believable."
    parts, asks = [], []
    for e in extras:
        if e == "mental arithmetic":
            asks.append("show the quick maths")
            parts.append(arith)
        elif e == "fermi estimation":
            asks.append("give me a rough estimate of what's realistic")
            parts.append(fermi)
        elif e == "unit conversion":
            asks.append("put it in other units")
            parts.append(conv)
        elif e == "temporal reasoning":
            asks.append("check the timing")
            parts.append(temp)
    return glue(q, ask_more(g, asks)), glue(a, *parts), ["plausibility checking"] + extras


ETIQUETTE = [
    dict(s="I've been invited to a colleague's house for dinner for the first time",
         a="Arrive within about ten minutes of the stated time, bring a small gift such as flowers or a dessert, and offer to help clear up.",
         pol="If you have dietary needs, mention them kindly when you accept, e.g. 'I'd love to come; just so you know, I don't eat meat, so please don't go to any trouble.'",
         email="Afterwards, a short message the next day, such as 'Thank you for a lovely evening; the lemon tart was a triumph', is a nice touch.",
         persp="Your host will probably be a little nervous too, so praising one specific dish means more than general thanks."),
    dict(s="I need to leave a wedding reception early",
         a="Find the couple at a quiet moment, congratulate them and thank them, and slip away without a big announcement.",
         pol="Keep it warm and brief: 'It's been a beautiful day; I'm so sorry I have to head off early.'",
         email="A message the next day with a favourite moment from the day shows you really were glad to be there.",
         persp="The couple will hardly notice who leaves when, but they will remember a sincere goodbye."),
    dict(s="someone's phone keeps ringing loudly in the quiet carriage",
         a="Give it a little time, since they may not have noticed; if it continues, a quiet word is fine.",
         pol="Phrase it lightly: 'Sorry, I think this is the quiet coach. Would you mind switching it to silent?'",
         email=None,
         persp="They may have boarded in a hurry and not seen the signs, so assume it is an oversight."),
    dict(s="I forgot a friend's birthday until the evening",
         a="Send a message the same evening rather than waiting: a late wish is better than none.",
         pol="Own it with a light touch: 'I'm so sorry this is late, happy birthday! Let me buy you a coffee this week.'",
         email=None,
         persp="Most people care more that you remembered at all, and about the follow-up, than about the timing."),
    dict(s="a new colleague keeps calling me by the wrong name",
         a="Correct it early and lightly, the second time it happens, before it becomes awkward for both of you.",
         pol="Try a friendly tone: 'Just so you know, it's Ines, not Inez. Easy to mix up!'",
         email="If it is easier, add your name's pronunciation to your email signature.",
         persp="They are probably learning dozens of names at once and would be embarrassed to find out later."),
]


@archetype("common", 1.2)
def a_etiquette(g: Gen, k: int, force=None):
    x = g.pick(ETIQUETTE)
    q = g.pick(["{s_c}. What's the polite thing to do?", "What's the etiquette when {s}?", "{s_c}. How should I handle it?"]).format(
        s=x["s"], s_c=cap(x["s"]))
    a = x["a"]
    extras = {"politeness strategies": ("give me the exact words", x["pol"]),
              "perspective taking": ("help me see it from their side", x["persp"])}
    w = {"politeness strategies": 2.5, "perspective taking": 1.2}
    if x["email"]:
        extras["professional email"] = ("tell me what to write afterwards", x["email"])
        w["professional email"] = 0.6
    skills, tq, ta = finish(g, ["social etiquette"], extras, k, force, w)
    return glue(q, tq), glue(a, ta), skills


HOWTO = [
    dict(s="get candle wax out of a tablecloth", dom="household know-how",
         a="Let the wax harden, scrape off what you can, then lay paper towels over the spot and press with a warm iron so the wax melts into the paper.",
         cause="The heat melts the wax and the paper wicks it away, which is why you need to move to a clean patch of towel as it soaks up.",
         safe="Keep the iron on a low setting and never leave it face down on the cloth.",
         check="Harden, scrape, cover with paper, iron, repeat with fresh paper, then wash as usual."),
    dict(s="unblock a slow bathroom sink", dom="household know-how",
         a="Pull out the hair and soap near the plug with a bent wire or a plastic drain strip, then flush with very hot water.",
         cause="Hair binds with soap scum into a plug that traps more hair, so the flow gets slower and slower.",
         safe="Avoid mixing different drain chemicals, and wear gloves if you use one.",
         check="Remove the plug cover, pull out the hair, flush with hot water, test the flow, and use a hair catcher from now on."),
    dict(s="stop my bread going mouldy so fast", dom="kitchen know-how",
         a="Keep it in a bread bin or cloth bag at room temperature, and freeze half the loaf in slices if you cannot eat it within three days.",
         cause="Mould needs moisture, and bread sealed in plastic in a warm kitchen traps its own moisture.",
         safe="If one slice is mouldy, throw the whole loaf away, since the threads spread further than you can see.",
         check="Cool fresh bread fully, store it in a breathable bag, freeze what you will not eat soon, toast slices straight from frozen."),
    dict(s="make rice that isn't sticky", dom="kitchen know-how",
         a="Rinse the rice until the water runs clear, use about 1.5 parts water to 1 part long-grain rice, simmer covered, then let it rest off the heat for ten minutes.",
         cause="Loose starch on the surface of the grains is what glues them together, and rinsing washes it away.",
         safe="Cool leftovers quickly and refrigerate them within an hour.",
         check="Rinse, measure, boil, cover and simmer, rest, fluff with a fork."),
    dict(s="get rid of condensation on my bedroom windows", dom="household know-how",
         a="Open the window for ten minutes each morning, keep the door closed while showering, and dry clothes outside or near an open window rather than on radiators.",
         cause="Warm, moist air from breathing and drying laundry hits the cold glass and condenses.",
         safe="Wipe away any black mould early with a cloth and diluted cleaner, and wear a mask if it is widespread.",
         check="Air each morning, extractor on in the bathroom, no laundry on radiators, wipe the sills dry."),
    dict(s="keep cut herbs fresh for longer", dom="kitchen know-how",
         a="Treat soft herbs like flowers: trim the stems, stand them in a glass of water and cover loosely with a bag in the fridge; basil stays out at room temperature.",
         cause="Cut stems dry out and wilt, so standing them in water keeps them supplied.",
         safe="Change the water every couple of days so bacteria do not build up.",
         check="Trim, stand in water, cover loosely, change water, use within a week."),
]


@archetype("common", 1.3)
def a_howto(g: Gen, k: int, force=None):
    h = g.pick(HOWTO)
    q = g.pick(["How do I {s}?", "What's the best way to {s}?", "Any tips to {s}?"]).format(s=h["s"])
    a = h["a"]
    extras = {"cause and effect": ("explain why it happens", h["cause"]),
              "safety awareness": ("mention anything to be careful about", h["safe"]),
              "checklist making": ("give me the steps as a checklist", h["check"])}
    skills, tq, ta = finish(g, [h["dom"]], extras, k, force,
                            {"cause and effect": 2, "safety awareness": 1.2, "checklist making": 1.2})
    return glue(q, tq), glue(a, ta), skills


# =========================================================================================================
# Area: mathematics
# =========================================================================================================

from fractions import Fraction  # noqa: E402

CONVS = [
    dict(ctx="The walk in my guidebook is {x} miles long. How far is that in kilometres?", lo=3, hi=26, f=1.609, fu="miles", tu="km",
         est="Multiply by 1.6: {x} × 1.6 ≈ {e}.", kitchen=None, nd=1),
    dict(ctx="The sign says {x} miles to the coast. How many kilometres is that?", lo=8, hi=90, f=1.609, fu="miles", tu="km",
         est="Add 60%: {x} plus about {half} gives roughly {e}.", kitchen=None, nd=0),
    dict(ctx="My baby weighed {x} lb at the check-up. What's that in kilograms?", lo=7, hi=22, f=0.4536, fu="lb", tu="kg",
         est="Halve it and take off a tenth: about {e}.", kitchen=None, nd=2),
    dict(ctx="This American recipe says to bake at {x} °F. What is that in Celsius?", lo=320, hi=450, f=None, fu="°F", tu="°C",
         est="Take off 30 and halve: about {e}.", kitchen="For a fan oven, set it about 20 °C lower than the converted temperature.", nd=0),
    dict(ctx="The recipe wants {x} US cups of milk. How many millilitres?", lo=2, hi=4, f=236.6, fu="cups", tu="ml",
         est="A cup is roughly a quarter of a litre, so about {e}.", kitchen="Measure liquids in a jug at eye level; for flour, weigh it instead, since a cup of flour can vary by 20 g or more.", nd=0),
    dict(ctx="I'm looking at a {x}-inch TV. How big is the screen diagonal in centimetres?", lo=32, hi=75, f=2.54, fu="inches", tu="cm",
         est="Two and a half times: about {e}.", kitchen=None, nd=0),
    dict(ctx="The hire van's tank holds {x} US gallons. How many litres is that?", lo=12, hi=30, f=3.785, fu="US gallons", tu="litres",
         est="About four litres per gallon, so roughly {e}.", kitchen=None, nd=0),
    dict(ctx="The speed limit on this road in the US is {x} mph. What is that in km/h?", lo=25, hi=75, f=1.609, fu="mph", tu="km/h",
         est="Multiply by 1.6: about {e}.", kitchen=None, nd=0),
    dict(ctx="The old house has ceilings {x} feet high. How many metres?", lo=8, hi=14, f=0.3048, fu="feet", tu="m",
         est="Roughly three tenths of a metre per foot, so about {e}.", kitchen=None, nd=2),
    dict(ctx="The pastry recipe needs {x} ounces of butter. How many grams is that?", lo=2, hi=16, f=28.35, fu="oz", tu="g",
         est="About 30 g per ounce, so a little under {e}.", kitchen="Use it straight from the fridge and cut it into cubes, so the pastry stays flaky.", nd=0),
]


SINGULAR = {"miles": "mile", "cups": "US cup", "inches": "inch", "US gallons": "US gallon", "feet": "foot"}


@archetype("math", 1.8)
def a_convert(g: Gen, k: int, force=None):
    c = g.pick(CONVS)
    x = g.randint(c["lo"], c["hi"])
    if c["fu"] == "°F":
        x = x // 5 * 5
        y = (x - 32) * 5 / 9
        exact = f"({x} − 32) × 5/9 = {y:.0f} °C"
        est_v = f"{(x - 30) / 2:.0f} °C"
    else:
        y = x * c["f"]
        exact = f"{x} × {c['f']} = {fmt_num(round(y, c['nd']), c['nd'])} {c['tu']}"
        if c["fu"] == "oz":
            est_v = f"{x * 30} g"
        elif c["fu"] in ("miles", "mph"):
            est_v = f"{x * 1.6:.0f} {c['tu']}"
        elif c["fu"] == "lb":
            est_v = f"{x / 2 * 0.9:.1f} kg"
        elif c["fu"] == "cups":
            est_v = f"{x * 250} ml"
        elif c["fu"] == "inches":
            est_v = f"{x * 2.5:.0f} cm"
        elif c["fu"] == "US gallons":
            est_v = f"{x * 4} litres"
        else:
            est_v = f"{x * 0.3:.1f} m"
    q = c["ctx"].format(x=x)
    a = f"It is about {fmt_num(round(y, c['nd']), c['nd'])} {c['tu']}."
    a += (" The rule is to subtract 32 and multiply by 5/9." if c["fu"] == "°F" else
          f" One {SINGULAR.get(c['fu'], c['fu'])} is {c['f']:g} {c['tu']}.")
    extras = {"mental arithmetic": ("give me a quick way to estimate it in my head",
                                    c["est"].format(x=x, e=est_v, half=round(x * 0.6))),
              "calculator use": ("show the exact calculation", f"Exactly: {exact}.")}
    w = {"mental arithmetic": 2, "calculator use": 1.5}
    if c["kitchen"]:
        extras["kitchen know-how"] = ("add any cooking tip that matters", c["kitchen"])
        w["kitchen know-how"] = 2
    skills, tq, ta = finish(g, ["unit conversion"], extras, k, force, w)
    return glue(q, tq), glue(a, ta), skills


@archetype("math", 1.8)
def a_percent(g: Gen, k: int, force=None):
    kind = g.pick(["discount", "tip", "raise", "double", "points", "vat"])
    name = g.name()
    if kind == "discount":
        price = g.randint(20, 300)
        pct = g.pick([10, 15, 20, 25, 30, 40])
        q = f"A jacket costs €{price} and is {pct}% off. What do I pay?"
        save = price * pct / 100
        a = f"You pay {money(price - save)}, saving {money(save)}."
        ment = f"{pct}% of {price} is {pct // 10 if pct % 10 == 0 else pct / 10} × {price / 10:g} = {save:g}" + (
            "" if pct % 10 == 0 else "") + "."
        ment = f"10% of €{price} is €{price / 10:g}, so {pct}% is {pct / 10:g} × €{price / 10:g} = €{save:g}."
        budget = f"If your clothing budget for the month is €{price + 50}, that leaves {money(price + 50 - (price - save))}."
        mis = "Note that the discount is on the original price, so the saving is the same however you phrase 'off'."
        work = f"Step 1: {pct}% = {pct / 100:g}. Step 2: {pct / 100:g} × {price} = {save:g}. Step 3: {price} − {save:g} = {price - save:g}."
    elif kind == "tip":
        bill = g.randint(18, 160) + g.pick([0, 0.5])
        pct = g.pick([10, 12, 15, 18, 20])
        tip = bill * pct / 100
        q = f"Our restaurant bill is {money(bill)}. How much is a {pct}% tip?"
        a = f"A {pct}% tip is {money(round(tip, 2))}, making {money(round(bill + tip, 2))} in total."
        ment = f"Take 10% ({money(bill / 10)}) and add {'half of it' if pct == 15 else 'twice that' if pct == 20 else 'the rest proportionally'}: about {money(round(tip))}."
        budget = f"If {g.pick([2, 3, 4])} of you split it, each pays about {money(round((bill + tip) / 3, 2))} for three people."
        mis = "Tip on the amount before any voucher was applied if the staff did the full amount of work."
        work = f"Step 1: {pct}% = {pct / 100:g}. Step 2: {pct / 100:g} × {bill:g} = {tip:.2f}. Step 3: add it to the bill."
    elif kind == "raise":
        old = g.randint(1800, 3600) // 10 * 10
        new = old + g.randint(30, 300)
        pct = (new - old) / old * 100
        q = f"{name}'s salary went from €{old:,} to €{new:,} a month. What percentage raise is that?"
        a = f"That is a {pct:.1f}% raise."
        ment = f"1% of €{old:,} is €{old / 100:g}, and €{new - old} is about {(new - old) / (old / 100):.1f} of those."
        budget = f"Over a year the raise adds €{(new - old) * 12:,} before tax, worth planning into savings before it disappears into spending."
        mis = "Always divide by the old value, not the new one: dividing by the new salary would understate the raise."
        work = f"Step 1: the change is {new} − {old} = {new - old}. Step 2: {new - old} ÷ {old} = {(new - old) / old:.4f}. Step 3: × 100 = {pct:.1f}%."
    elif kind == "double":
        p1, p2 = g.pick([(20, 10), (30, 20), (50, 20), (25, 10), (40, 25)])
        price = g.randint(40, 200)
        final = price * (1 - p1 / 100) * (1 - p2 / 100)
        eff = (1 - final / price) * 100
        q = f"A €{price} lamp is {p1}% off, plus an extra {p2}% at the till. Is that {p1 + p2}% off?"
        a = f"No: the second discount applies to the already reduced price, so you pay {money(round(final, 2))}, which is {eff:g}% off in total."
        ment = f"{100 - p1}% of {100 - p2}% is {(100 - p1) * (100 - p2) / 100:g}%, so you pay {(100 - p1) * (100 - p2) / 100:g}% of the price."
        budget = f"Compared with a true {p1 + p2}% discount, you pay {money(round(final - price * (1 - (p1 + p2) / 100), 2))} more than the sign might suggest."
        mis = "The common mistake is to add percentages that apply one after another; they multiply instead."
        work = f"Step 1: {price} × {1 - p1 / 100:g} = {price * (1 - p1 / 100):g}. Step 2: that × {1 - p2 / 100:g} = {final:g}."
    elif kind == "points":
        a1 = g.randint(8, 30)
        a2 = a1 + g.randint(2, 9)
        q = f"The share of pupils cycling to school rose from {a1}% to {a2}%. The newsletter says that's a {a2 - a1}% increase. Is that right?"
        rel = (a2 - a1) / a1 * 100
        a = f"Not quite: it is a rise of {a2 - a1} percentage points, which is a {rel:.0f}% increase relative to the starting level."
        ment = f"{a2 - a1} ÷ {a1} is about {rel / 100:.2f}, so roughly {rel:.0f}%."
        budget = "If the cycle-shelter budget scales with the number of cyclists, it needs to grow by the relative figure, not by the points."
        mis = "Percentage points measure the gap between two percentages; percent change measures that gap relative to where you started."
        work = f"Step 1: difference = {a2} − {a1} = {a2 - a1} points. Step 2: relative change = {a2 - a1}/{a1} = {rel:.1f}%."
    else:
        gross = g.randint(30, 500) * 1.2
        q = f"An invoice total is {money(round(gross, 2))} including 20% VAT. What is the price without VAT?"
        net = gross / 1.2
        a = f"Divide by 1.2: the net price is {money(round(net, 2))} and the VAT is {money(round(gross - net, 2))}."
        ment = f"A sixth of the total is VAT, so take {money(round(gross, 2))} ÷ 6 ≈ {money(round(gross / 6, 2))} off."
        budget = "Businesses that can reclaim VAT should budget with the net figure; private buyers pay the gross."
        mis = "Taking 20% off the total is a common mistake: it gives too little, because the 20% was added to the smaller net price."
        work = f"Step 1: total = net × 1.2. Step 2: net = {gross:.2f} ÷ 1.2 = {net:.2f}. Step 3: VAT = {gross:.2f} − {net:.2f} = {gross - net:.2f}."
    extras = {"mental arithmetic": ("show me a quick way to do it in my head", ment),
              "budgeting": ("connect it to my budget", budget),
              "misconception correction": ("point out the usual mistake", mis),
              "worked example": ("show the steps", work)}
    skills, tq, ta = finish(g, ["percentages"], extras, k, force,
                            {"mental arithmetic": 2, "budgeting": 1, "misconception correction": 1.2, "worked example": 1.5})
    return glue(q, tq), glue(a, ta), skills


@archetype("math", 1.4)
def a_ratio(g: Gen, k: int, force=None):
    kind = g.pick(["recipe", "map", "mix", "fuel"])
    if kind == "recipe":
        dish, items = g.pick([("pancakes", [("flour", 200, "g"), ("milk", 300, "ml"), ("eggs", 2, "")]),
                              ("lentil soup", [("red lentils", 250, "g"), ("stock", 1200, "ml"), ("onions", 2, "")]),
                              ("flapjacks", [("oats", 250, "g"), ("butter", 125, "g"), ("golden syrup", 100, "g")]),
                              ("risotto", [("rice", 300, "g"), ("stock", 1000, "ml"), ("parmesan", 60, "g")])])
        n1 = g.pick([2, 4, 6])
        n2 = g.pick([x for x in [3, 5, 6, 8, 10, 12] if x != n1])
        f = Fraction(n2, n1)
        listing = ", ".join(f"{q}{u} {nm}" if u else f"{q} {nm}" for nm, q, u in items)
        q = f"My {dish} recipe serves {n1}: {listing}. How much do I need for {n2} people?"
        scaled = []
        for nm, qq, u in items:
            v = qq * f
            vs = fmt_num(round(float(v), 1), 1) if u else (f"{float(v):g}" if v.denominator == 1 else f"about {round(float(v))}")
            scaled.append(f"{vs}{u} {nm}" if u else f"{vs} {nm}")
        a = f"Multiply everything by {n2}/{n1}: " + ", ".join(scaled) + "."
        ment = f"Work out one portion first ({items[0][1]} ÷ {n1} = {items[0][1] / n1:g}{items[0][2]} of {items[0][0]}) and multiply by {n2}."
        conv = f"If your jug is in cups, {fmt_num(round(float(items[1][1] * f) / 236.6, 1), 1)} US cups is close to the {items[1][0]} amount." if items[1][2] == "ml" else \
               f"In ounces, {fmt_num(round(float(items[1][1] * f) / 28.35, 1), 1)} oz of {items[1][0]} is the same amount."
        kit = "Cooking times barely change for a bigger pan of the same depth, but a much deeper pot needs longer and more stirring."
        work = (f"Step 1: the scale factor is {n2} ÷ {n1} = {float(f):.3g}. Step 2: {items[0][1]}{items[0][2]} × {float(f):.3g} = "
                f"{float(items[0][1] * f):g}{items[0][2]} of {items[0][0]}. Step 3: do the same for every other ingredient.")
    elif kind == "map":
        scale = g.pick([25000, 50000, 100000])
        cm = g.randint(3, 24) / 2
        real_km = cm * scale / 100000
        q = f"On a 1:{scale:,} map, two villages are {cm:g} cm apart. How far apart are they really?"
        a = f"Each centimetre is {scale:,} cm on the ground, so {cm:g} cm is {cm * scale:,.0f} cm, which is {real_km:g} km."
        ment = f"On a 1:{scale:,} map, 1 cm is {scale / 100000:g} km, so multiply {cm:g} by {scale / 100000:g}."
        conv = f"{real_km:g} km is about {real_km / 1.609:.1f} miles."
        kit = None
        work = f"Step 1: 1 cm on the map is {scale:,} cm real. Step 2: {cm:g} × {scale:,} = {cm * scale:,.0f} cm. Step 3: divide by 100,000 to get {real_km:g} km."
    elif kind == "mix":
        total = g.randint(3, 12) * 6
        q = f"Concrete for fence posts is mixed 1 part cement, 2 parts sand and 3 parts gravel. How much of each for {total} buckets in total?"
        part = total / 6
        a = f"There are 6 parts, so one part is {total} ÷ 6 = {part:g} buckets: {part:g} of cement, {2 * part:g} of sand and {3 * part:g} of gravel."
        ment = f"Six parts share {total} buckets, so each part is {part:g}; then double and triple it."
        conv = f"At about 10 litres per bucket that is {total * 10} litres of dry mix in total."
        kit = None
        work = f"Step 1: add the parts, 1 + 2 + 3 = 6. Step 2: one part = {total} ÷ 6 = {part:g}. Step 3: multiply by 1, 2 and 3, and check {part:g} + {2 * part:g} + {3 * part:g} = {total}."
    else:
        ratio = g.pick([25, 40, 50])
        litres = g.pick([1, 2, 5])
        oil = litres * 1000 / ratio
        q = f"My two-stroke mower needs fuel mixed {ratio}:1. How much oil goes into {litres} litre{'s' if litres > 1 else ''} of petrol?"
        a = f"{litres} litre{'s' if litres > 1 else ''} is {litres * 1000} ml, and {litres * 1000} ÷ {ratio} = {oil:g} ml of oil."
        ment = f"For {ratio}:1, each litre needs 1000 ÷ {ratio} = {1000 / ratio:g} ml, times {litres}."
        conv = f"{oil:g} ml is about {oil / 29.57:.1f} US fluid ounces, if the oil bottle is marked that way."
        kit = None
        work = f"Step 1: {ratio}:1 means {ratio} parts petrol to 1 part oil. Step 2: convert the petrol to ml, {litres * 1000}. Step 3: divide by {ratio} to get {oil:g} ml."
    extras = {"mental arithmetic": ("give me a shortcut", ment),
              "unit conversion": ("convert the units too", conv),
              "worked example": ("lay out the method", work)}
    w = {"mental arithmetic": 2, "unit conversion": 1.5, "worked example": 1}
    if kit:
        extras["kitchen know-how"] = ("add a cooking tip for the bigger batch", kit)
        w["kitchen know-how"] = 1.5
    skills, tq, ta = finish(g, ["ratios and proportions"], extras, k, force, w)
    return glue(q, tq), glue(a, ta), skills


@archetype("math", 1.5)
def a_algebra(g: Gen, k: int, force=None):
    kind = g.pick(["tickets", "ages", "numbers", "phone"])
    if kind == "tickets":
        pa, pc = g.randint(9, 16), g.randint(4, 8)
        na, nc = g.randint(20, 90), g.randint(20, 90)
        tot_n, tot_m = na + nc, na * pa + nc * pc
        q = f"The school play sold {tot_n} tickets for €{tot_m:,}. Adult tickets cost €{pa} and child tickets €{pc}. How many of each were sold?"
        a = f"Let a be adult tickets and c child tickets: a + c = {tot_n} and {pa}a + {pc}c = {tot_m}, which gives a = {na} and c = {nc}."
        work = (f"Substitute c = {tot_n} − a into the second equation: {pa}a + {pc}({tot_n} − a) = {tot_m}, so {pa - pc}a = "
                f"{tot_m - pc * tot_n} and a = {na}; then c = {tot_n} − {na} = {nc}.")
        check = f"Check: {na} × {pa} + {nc} × {pc} = {na * pa} + {nc * pc} = {tot_m}. Can you say why we needed two equations here?"
        scaf = f"Hint before the full solution: if all {tot_n} tickets were child tickets, they'd bring €{tot_n * pc}; each adult ticket adds €{pa - pc} more."
        nov = "An equation is a balance: whatever you do to one side you do to the other, and the letters are just boxes for numbers we don't know yet."
    elif kind == "ages":
        while True:
            kid = g.randint(4, 15)
            mult = g.pick([3, 4, 5])
            parent = kid * mult
            yrs = g.randint(2, 20)
            if (parent + yrs) % (kid + yrs) == 0 and 2 <= (parent + yrs) // (kid + yrs) < mult and 20 <= parent <= 50:
                break
        m2 = (parent + yrs) // (kid + yrs)
        q = f"A mother is {mult} times as old as her son. In {yrs} years she will be {m2} times as old as him. How old are they now?"
        a = f"Let the son be s: mother = {mult}s, and {mult}s + {yrs} = {m2}(s + {yrs}), so s = {kid} and the mother is {parent}."
        work = f"Expand: {mult}s + {yrs} = {m2}s + {m2 * yrs}, so {mult - m2}s = {m2 * yrs - yrs}, giving s = {kid}."
        check = f"Check: in {yrs} years they are {parent + yrs} and {kid + yrs}, and {parent + yrs} = {m2} × {kid + yrs}. Which line would change if it said '{yrs} years ago'?"
        scaf = f"Start by writing both ages in {yrs} years using s; then only one equation is left to solve."
        nov = "We call the unknown age s so we can write the sentence as maths, then we tidy up until s stands alone."
    elif kind == "numbers":
        x, y = g.randint(10, 80), g.randint(3, 60)
        if x < y:
            x, y = y, x
        q = f"Two numbers add up to {x + y} and their difference is {x - y}. What are they?"
        a = f"Adding the equations x + y = {x + y} and x − y = {x - y} gives 2x = {2 * x}, so x = {x} and y = {y}."
        work = f"Step 1: add the two equations to remove y. Step 2: x = {2 * x} ÷ 2 = {x}. Step 3: y = {x + y} − {x} = {y}."
        check = f"Check: {x} + {y} = {x + y} and {x} − {y} = {x - y}. What would you get if the difference were 0?"
        scaf = "Hint: what happens to y if you add the two equations together?"
        nov = "Think of it as two clues about the same pair of numbers: together they pin the numbers down exactly."
    else:
        f1, p1 = g.randint(5, 15), g.randint(10, 20) / 100
        f2, p2 = f1 + g.randint(5, 15), p1 - g.randint(3, 8) / 100
        m = (f2 - f1) / (p1 - p2)
        q = (f"Phone plan A costs €{f1} a month plus €{p1:.2f} per minute; plan B costs €{f2} plus €{p2:.2f} per minute. "
             f"After how many minutes is B cheaper?")
        a = f"Set {f1} + {p1:.2f}m = {f2} + {p2:.2f}m: the plans cost the same at m = {m:.0f} minutes, and B is cheaper beyond that."
        work = f"Subtract: {p1:.2f}m − {p2:.2f}m = {f2} − {f1}, so {p1 - p2:.2f}m = {f2 - f1} and m = {f2 - f1}/{p1 - p2:.2f} ≈ {m:.1f}."
        check = f"Check at {round(m) + 10} minutes: A costs €{f1 + p1 * (round(m) + 10):.2f} and B €{f2 + p2 * (round(m) + 10):.2f}. Which plan suits someone who talks 30 minutes a month?"
        scaf = "Hint: write each plan's cost as a formula in m, then ask when the two formulas are equal."
        nov = "Each plan is a straight line on a graph of cost against minutes; the answer is where the lines cross."
    extras = {"worked example": ("show every step", work),
              "check for understanding": ("check the answer and give me a question to test myself", check),
              "scaffolding": ("give me a hint first", scaf),
              "explaining to a novice": ("explain it as if I'm rusty at algebra", nov)}
    skills, tq, ta = finish(g, ["algebraic equations"], extras, k, force,
                            {"worked example": 2.5, "check for understanding": 1.2, "scaffolding": 1.2, "explaining to a novice": 1})
    return glue(q, tq), glue(a, ta), skills


def frac_str(f: Fraction) -> str:
    return f"{f.numerator}/{f.denominator}"


@archetype("math", 1.6)
def a_probability(g: Gen, k: int, force=None):
    kind = g.pick(["dice", "atleast", "socks", "raffle", "coins"])
    if kind == "dice":
        s = g.randint(3, 11)
        ways = sum(1 for a in range(1, 7) for b in range(1, 7) if a + b == s)
        p = Fraction(ways, 36)
        q = f"What's the chance of rolling a total of {s} with two dice?"
        a = f"There are {ways} ways out of 36, so the probability is {frac_str(p)}, about {float(p) * 100:.1f}%."
        comb = f"The {ways} ways are " + ", ".join(f"{x}+{s - x}" for x in range(1, 7) if 1 <= s - x <= 6) + "."
        nov = "Think of one die as red and one as blue: there are 6 × 6 = 36 equally likely pairs, and we count the pairs that add up."
        sim = "A quick Python check: `sum(random.randint(1, 6) + random.randint(1, 6) == %d for _ in range(100_000)) / 100_000`." % s
        mis = "A common mistake is to count 11 possible totals as equally likely; middle totals have more ways to happen."
    elif kind == "atleast":
        n = g.randint(2, 6)
        p = 1 - Fraction(5, 6) ** n
        q = f"If I roll a die {n} times, what's the probability of at least one six?"
        a = f"Use the complement: the chance of no six is (5/6)^{n}, so at least one six has probability {float(p):.3f}, about {float(p) * 100:.0f}%."
        comb = f"Of the 6^{n} = {6 ** n} equally likely sequences, 5^{n} = {5 ** n} contain no six."
        nov = "'At least one' is awkward to count directly, so count the opposite, 'none at all', and take it away from 1."
        sim = f"Simulate it in Python: `sum(6 in [random.randint(1, 6) for _ in range({n})] for _ in range(100_000)) / 100_000`."
        mis = f"It is not {n} × 1/6 = {Fraction(n, 6)}: adding the chances counts some sequences twice, and for 6 or more rolls it would exceed 1."
    elif kind == "socks":
        r, b = g.randint(2, 6), g.randint(2, 6)
        t = r + b
        p = Fraction(r * (r - 1) + b * (b - 1), t * (t - 1))
        q = f"A drawer has {r} red and {b} blue socks. If I grab two in the dark, what's the chance they match?"
        a = f"P(both red) + P(both blue) = ({r}/{t} × {r - 1}/{t - 1}) + ({b}/{t} × {b - 1}/{t - 1}) = {frac_str(p)}, about {float(p) * 100:.0f}%."
        comb = f"In counting terms: C({r},2) + C({b},2) = {r * (r - 1) // 2 + b * (b - 1) // 2} matching pairs out of C({t},2) = {t * (t - 1) // 2} pairs."
        nov = "After the first sock, there is one fewer of its colour left, which is why the second fraction has smaller numbers."
        sim = "In Python: `random.sample(drawer, 2)` in a loop, counting how often the two colours are equal."
        mis = "The second draw is not independent of the first: the drawer has changed, so you cannot square the first probability."
    elif kind == "raffle":
        N = g.randint(10, 50) * 10
        t = g.randint(1, 10)
        prizes = g.randint(1, 3)
        if prizes == 1:
            p = Fraction(t, N)
            q = f"The school raffle sold {N} tickets and I bought {t}. There's one prize. What are my chances?"
            a = f"Each ticket is equally likely, so your chance is {t}/{N} = {frac_str(p)}, about {float(p) * 100:.1f}%."
            comb = f"There are {N} equally likely winning tickets and {t} of them are yours."
        else:
            p = 1 - Fraction(math.comb(N - t, prizes), math.comb(N, prizes))
            q = f"The raffle sold {N} tickets, I bought {t}, and {prizes} different tickets win a prize. What's my chance of winning something?"
            a = f"The chance that none of the {prizes} winning tickets is yours is C({N - t},{prizes})/C({N},{prizes}), so you win something with probability about {float(p) * 100:.1f}%."
            comb = f"C({N},{prizes}) = {math.comb(N, prizes):,} ways to pick the winners, of which C({N - t},{prizes}) = {math.comb(N - t, prizes):,} avoid all your tickets."
        nov = "If every ticket has the same chance, your chance is simply your share of the tickets."
        sim = f"A Python check: draw `random.sample(range({N}), {prizes})` many times and count how often one of your {t} numbers appears."
        mis = "Buying tickets in a row, like 101-105, does not change your chances: every number is equally likely."
    else:
        n = g.randint(4, 8)
        h = g.randint(1, n - 1)
        p = Fraction(math.comb(n, h), 2 ** n)
        q = f"If I flip a fair coin {n} times, what's the probability of exactly {h} heads?"
        a = f"There are C({n},{h}) = {math.comb(n, h)} arrangements out of 2^{n} = {2 ** n}, so the probability is {frac_str(p)}, about {float(p) * 100:.1f}%."
        comb = f"C({n},{h}) counts the ways to choose which {h} of the {n} flips are heads."
        nov = "Every sequence of heads and tails is equally likely; we just count the sequences with the right number of heads."
        sim = f"In Python: `sum(sum(random.random() < 0.5 for _ in range({n})) == {h} for _ in range(100_000)) / 100_000`."
        mis = "After a run of tails, heads is not 'due': the coin has no memory, and each flip is still 50/50."
    extras = {"combinatorics": ("show the counting", comb),
              "explaining to a novice": ("explain the idea simply", nov),
              "python programming": ("show a quick simulation to check it", sim),
              "misconception correction": ("mention the common mistake", mis)}
    skills, tq, ta = finish(g, ["probability"], extras, k, force,
                            {"combinatorics": 2.5, "explaining to a novice": 1.2, "python programming": 0.8, "misconception correction": 1.2})
    return glue(q, tq), glue(a, ta), skills


@archetype("math", 1.3)
def a_counting(g: Gen, k: int, force=None):
    kind = g.pick(["outfits", "pin", "committee", "shelf", "handshakes", "toppings"])
    if kind == "outfits":
        s, t, sh = g.randint(3, 8), g.randint(2, 5), g.randint(2, 4)
        n = s * t * sh
        q = f"I packed {s} tops, {t} pairs of trousers and {sh} pairs of shoes. How many different outfits can I make?"
        a = f"Multiply the choices: {s} × {t} × {sh} = {n} outfits."
        prob = f"If you dress at random in the dark, the chance of one particular outfit is 1/{n}."
        work = f"For each of the {s} tops there are {t} trousers ({s * t} pairs), and each pair goes with {sh} shoes."
        ind = None
    elif kind == "pin":
        d = g.pick([4, 5, 6])
        n = 10 ** d
        q = f"How many different {d}-digit PIN codes are there, and how many have no repeated digit?"
        nr = math.perm(10, d)
        a = f"There are 10^{d} = {n:,} codes in total, and 10 × 9 × ... ({d} factors) = {nr:,} with all digits different."
        prob = f"A thief guessing randomly with 3 tries has a 3/{n:,} chance, or {3 / n * 100:.{max(1, d - 2)}f}%."
        work = f"Each of the {d} positions has 10 choices; without repeats, the choices shrink by one each time: 10, 9, 8, ..."
        ind = None
    elif kind == "committee":
        n, r = g.randint(6, 15), g.randint(2, 4)
        c = math.comb(n, r)
        q = f"Our club has {n} members. In how many ways can we choose a committee of {r}?"
        a = f"Order does not matter, so it is C({n},{r}) = {c:,} ways."
        prob = f"If the committee were drawn by lot, a given member would be on it with probability {r}/{n} = {r / n * 100:.0f}%."
        work = f"First count ordered choices, {n} × {n - 1}" + (f" × {n - 2}" if r > 2 else "") + (f" × {n - 3}" if r > 3 else "") + \
               f" = {math.perm(n, r):,}, then divide by the {math.factorial(r)} orders of the same {r} people."
        ind = None
    elif kind == "shelf":
        n = g.randint(4, 8)
        q = f"In how many different orders can I arrange {n} books on a shelf?"
        a = f"{n}! = {math.factorial(n):,} orders."
        prob = f"If a child shuffles them at random, the chance they land in alphabetical order is 1/{math.factorial(n):,}."
        work = f"There are {n} choices for the first spot, {n - 1} for the next, and so on down to 1."
        ind = None
    elif kind == "handshakes":
        n = g.randint(5, 30)
        q = f"If {n} people at a party each shake hands with everyone else once, how many handshakes is that?"
        a = f"Each pair shakes once, so it is C({n},2) = {n} × {n - 1} / 2 = {n * (n - 1) // 2} handshakes."
        prob = f"If two guests are picked at random, they are a particular pair with probability 1/{n * (n - 1) // 2}."
        work = f"Each of the {n} people shakes {n - 1} hands, giving {n * (n - 1)}, but that counts every handshake twice."
        ind = "By induction: with one person there are 0 handshakes, and a new (n + 1)th guest adds n handshakes, taking n(n − 1)/2 to n(n + 1)/2."
    else:
        n = g.randint(4, 9)
        q = f"A pizza place offers {n} toppings. How many different pizzas can you order with any combination, including none?"
        a = f"Each topping is either on or off, so there are 2^{n} = {2 ** n} combinations."
        prob = f"Picking a combination at random, the chance of exactly one topping is {n}/{2 ** n}."
        work = f"With 1 topping there are 2 options, with 2 toppings 4, and each extra topping doubles the count, up to {2 ** n}."
        ind = "Induction shows it: 2^0 = 1 for no toppings, and adding a topping doubles the count, since every old pizza can have it or not."
    extras = {"probability": ("turn it into a probability", prob),
              "worked example": ("explain the counting step by step", work)}
    w = {"probability": 2, "worked example": 2}
    if ind:
        extras["proof by induction"] = ("prove the formula", ind)
        w["proof by induction"] = 1
    skills, tq, ta = finish(g, ["combinatorics"], extras, k, force, w)
    return glue(q, tq), glue(a, ta), skills


@archetype("math", 1.4)
def a_geometry(g: Gen, k: int, force=None):
    kind = g.pick(["paint", "tiles", "fence", "pizza", "ramp"])
    if kind == "paint":
        L, W, H = g.randint(30, 60) / 10, g.randint(25, 45) / 10, g.pick([2.4, 2.5, 2.6])
        area = 2 * (L + W) * H - 1.6 - 1.5
        litres = area * 2 / 10
        q = f"My room is {L:g} m by {W:g} m with {H:g} m high walls, one door and one window. How much paint do I need for two coats?"
        a = (f"Wall area is 2 × ({L:g} + {W:g}) × {H:g} = {2 * (L + W) * H:.1f} m², minus about 3.1 m² for the door and window, so "
             f"{area:.1f} m²; at 10 m² per litre, two coats need about {litres:.1f} litres.")
        budget = f"That means two 2.5-litre tins; at about €30 a tin, budget €60, plus brushes and tape." if litres <= 5 else \
                 f"That means {math.ceil(litres / 2.5)} tins of 2.5 litres; at about €30 each, budget €{math.ceil(litres / 2.5) * 30}."
        house = "Wash the walls, fill cracks and let the first coat dry fully (usually four hours) before the second."
        conv = f"In square feet the walls are about {area * 10.764:.0f} ft²."
    elif kind == "tiles":
        L, W = g.randint(15, 40) / 10, g.randint(12, 30) / 10
        t = g.pick([20, 30, 40])
        n = math.ceil(L * 100 / t) * math.ceil(W * 100 / t)
        q = f"How many {t} × {t} cm tiles do I need for a bathroom floor {L:g} m by {W:g} m?"
        a = f"Along the length {math.ceil(L * 100 / t)} tiles and across {math.ceil(W * 100 / t)}, so {n} tiles, counting cut pieces as whole tiles."
        budget = f"Buy about 10% extra for breakages, so {math.ceil(n * 1.1)} tiles; at €3 a tile that is €{math.ceil(n * 1.1) * 3}."
        house = "Start tiling from the centre of the room so the cut tiles at the edges are even on both sides."
        conv = f"The floor is {L * W:.2f} m², or about {L * W * 10.764:.0f} ft²."
    elif kind == "fence":
        r = g.randint(15, 60) / 10
        c = 2 * math.pi * r
        q = f"I want to put a low fence around a circular flower bed with a radius of {r:g} m. How long does the fence need to be?"
        a = f"The circumference is 2πr = 2 × 3.14 × {r:g} ≈ {c:.2f} m."
        budget = f"Fencing sold in 1 m panels means buying {math.ceil(c)} panels; at €12 each, €{math.ceil(c) * 12}."
        house = "Flexible edging is easier than rigid panels on a curve; push it in at least 5 cm so it stays put."
        conv = f"That is about {c * 3.281:.0f} feet."
    elif kind == "pizza":
        d1, d2 = g.pick([(25, 35), (30, 40), (28, 36), (30, 45)])
        p1, p2 = g.randint(8, 11), g.randint(13, 18)
        a1, a2 = math.pi * (d1 / 2) ** 2, math.pi * (d2 / 2) ** 2
        q = f"Is one {d2} cm pizza for €{p2} better value than two {d1} cm pizzas at €{p1} each?"
        better = a2 / p2 > 2 * a1 / (2 * p1)
        a = (f"The big one has {a2:.0f} cm² for €{p2} ({a2 / p2:.0f} cm² per euro); two small ones have {2 * a1:.0f} cm² for €{2 * p1} "
             f"({a1 / p1:.0f} cm² per euro), so the {'large pizza' if better else 'two small pizzas'} {'is' if better else 'are'} better value.")
        budget = f"Per person for four, the large costs €{p2 / 4:.2f} and the two small €{2 * p1 / 4:.2f}."
        house = None
        pct = (max(a2 / p2, a1 / p1) / min(a2 / p2, a1 / p1) - 1) * 100
        pct_s = f"The {'large pizza' if better else 'pair of small pizzas'} gives about {pct:.0f}% more pizza per euro."
        conv = f"In inches the pizzas are about {d2 / 2.54:.0f}\" and {d1 / 2.54:.0f}\"."
    else:
        h = g.randint(30, 90)
        run = h * g.pick([8, 10, 12])
        ln = math.hypot(h, run)
        q = f"A wheelchair ramp must rise {h} cm over a horizontal run of {run / 100:g} m. How long is the sloping surface?"
        a = f"By Pythagoras, √({h}² + {run}²) ≈ {ln:.0f} cm, so about {ln / 100:.2f} m."
        budget = f"Decking boards for a ramp 1 m wide and {ln / 100:.2f} m long cover about {ln / 100:.2f} m²; budget for that plus handrails."
        house = "Add a level landing at the top and non-slip strips, and check local rules on maximum gradients."
        conv = f"The ramp is about {ln / 30.48:.1f} feet long."
    extras = {"budgeting": ("estimate the cost", budget),
              "unit conversion": ("give it in imperial units too", conv)}
    if house:
        extras["household know-how"] = ("add a practical tip", house)
    else:
        extras["percentages"] = ("tell me the difference as a percentage", pct_s)
    skills, tq, ta = finish(g, ["geometry"], extras, k, force,
                            {"budgeting": 1.5, "household know-how": 1.5, "unit conversion": 1, "percentages": 1.5})
    return glue(q, tq), glue(a, ta), skills


@archetype("math", 1.2)
def a_interest(g: Gen, k: int, force=None):
    P = g.randint(5, 100) * 100
    r = g.pick([1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 6])
    n = g.randint(2, 20)
    fv = P * (1 + r / 100) ** n
    simple = P * (1 + r / 100 * n)
    q = g.pick(["If I put €{P:,} in a savings account at {r}% a year, compounded yearly, how much will I have after {n} years?",
                "How much does €{P:,} grow to in {n} years at {r}% annual compound interest?",
                "My grandmother wants to invest €{P:,} for my cousin at {r}% a year for {n} years. What will it be worth?"]).format(P=P, r=r, n=n)
    a = (f"Using P(1 + r)^n: €{P:,} × {1 + r / 100:g}^{n} ≈ {money(round(fv, 2))}, so about {money(round(fv - P, 2))} of interest. "
         f"Each year's interest is added to the balance, so the next year's interest is slightly larger than the last.")
    extras = {"percentages": ("tell me the total growth as a percentage", f"That is {(fv / P - 1) * 100:.1f}% growth in total, more than {n} × {r}% = {n * r:g}% because interest earns interest."),
              "spreadsheet formulas": ("give me the spreadsheet formula", f"In a spreadsheet: =FV({r}%, {n}, 0, -{P}) returns the same {money(round(fv, 2))}."),
              "calculator use": ("tell me exactly what to type into a calculator", f"On a calculator type {P} × {1 + r / 100:g} ^ {n} (or {P}*{1 + r / 100:g}**{n} in Python)."),
              "misconception correction": ("compare it with simple interest", f"With simple interest you would have only {money(round(simple, 2))}; the difference of {money(round(fv - simple, 2))} is the interest on interest."),
              "budgeting": ("relate it to saving each month", f"Adding €50 a month on top would grow the pot far more than the rate alone: at {r}% (monthly compounding) those deposits alone reach about €{50 * ((1 + r / 1200) ** (12 * n) - 1) / (r / 1200):,.0f} after {n} years.")}
    skills, tq, ta = finish(g, ["compound interest"], extras, k, force,
                            {"percentages": 2, "spreadsheet formulas": 1.5, "calculator use": 1.5, "misconception correction": 1.2, "budgeting": 0.8})
    return glue(q, tq), glue(a, ta), skills


FERMIS = [
    dict(q="How many piano tuners work in a city of a million people?",
         chain="Say 1 household in 20 has a piano: with 2.5 people per household that is 20,000 pianos, each tuned once a year; a tuner does about 4 a day on 250 days, 1,000 a year, so roughly 20 tuners.",
         sci="20,000 pianos is 2 × 10^4, and 2 × 10^4 ÷ 10^3 tunings per tuner gives 2 × 10^1 tuners.",
         plaus="A quick check in a business directory of a city that size would show whether the answer is tens rather than hundreds, which is the right order of magnitude.",
         ment="1,000,000 ÷ 2.5 = 400,000 households, ÷ 20 = 20,000 pianos, ÷ 1,000 per tuner = 20."),
    dict(q="How many litres of water does a town of 50,000 people use at home each day?",
         chain="A person uses roughly 130 litres a day for showers, toilets, washing and cooking, so 50,000 × 130 ≈ 6.5 million litres a day.",
         sci="6.5 million litres is 6.5 × 10^6 L, or 6.5 × 10^3 cubic metres, between two and three Olympic pools.",
         plaus="Comparing with the town's reservoir or a water company report would confirm the order of magnitude; a few million litres is believable.",
         ment="50,000 × 100 = 5 million, plus 50,000 × 30 = 1.5 million, gives 6.5 million."),
    dict(q="Roughly how many times does a human heart beat in a lifetime?",
         chain="About 70 beats a minute, 60 minutes an hour, 24 hours a day, 365 days a year, for 80 years: about 3 billion beats.",
         sci="70 × 60 × 24 × 365 × 80 ≈ 7 × 10^1 × 6 × 10^1 × 2.4 × 10^1 × 3.65 × 10^2 × 8 × 10^1 ≈ 2.9 × 10^9.",
         plaus="Three billion passes a sanity check: it is about 100,000 beats a day, which is 70 a minute.",
         ment="70 × 60 = 4,200 an hour, × 24 ≈ 100,000 a day, × 365 ≈ 37 million a year, × 80 ≈ 3 billion."),
    dict(q="How many slices of pizza are eaten in a city of 2 million people in a week?",
         chain="If the average person eats pizza once every two weeks at about 3 slices, that is 1.5 slices per person per week, so about 3 million slices.",
         sci="2 × 10^6 people × 1.5 slices ≈ 3 × 10^6 slices a week.",
         plaus="At 8 slices a pizza that is about 375,000 pizzas a week, or roughly 50 per pizzeria a day if the city has 1,000 of them, which sounds right.",
         ment="2 million × 1.5 = 3 million, and 3 million ÷ 8 ≈ 375,000 pizzas."),
    dict(q="How many cars pass a busy city junction in a day?",
         chain="A busy junction might see a car every 3 seconds at peak and every 10 seconds off-peak; with 6 peak hours and 12 quieter ones, that is about 7,200 + 4,300 ≈ 11,500 cars.",
         sci="About 1.2 × 10^4 cars a day, or roughly 4 × 10^6 a year.",
         plaus="Traffic counts published by city councils for main junctions are typically in the range of ten to thirty thousand vehicles a day, so this is plausible.",
         ment="6 hours × 1,200 an hour = 7,200, and 12 hours × 360 an hour ≈ 4,300."),
    dict(q="How many hairs are on a human head?",
         chain="The scalp is about 600 cm² and a typical density is about 200 hairs per cm², so roughly 120,000 hairs, give or take a lot.",
         sci="6 × 10^2 cm² × 2 × 10^2 per cm² = 1.2 × 10^5 hairs.",
         plaus="It is consistent with the common figure of around 100,000, so the estimate is in the right range.",
         ment="600 × 200 = 120,000."),
    dict(q="How many teachers are there in a country of 10 million people?",
         chain="About 1 person in 8 is of school age, so 1.25 million pupils; with about 15 pupils per teacher that is roughly 80,000 teachers.",
         sci="1.25 × 10^6 ÷ 1.5 × 10^1 ≈ 8 × 10^4 teachers.",
         plaus="That is just under 1% of the population, which matches the rough share of teachers in many countries.",
         ment="10 million ÷ 8 = 1.25 million, ÷ 15 ≈ 83,000."),
]


@archetype("math", 1.1)
def a_fermi(g: Gen, k: int, force=None):
    f = g.pick(FERMIS)
    q = g.pick(["{q}", "Rough estimate please: {ql}", "Back-of-the-envelope question: {ql}"]).format(q=f["q"], ql=f["q"][0].lower() + f["q"][1:])
    a = f["chain"]
    extras = {"scientific notation": ("write the numbers in scientific notation", f["sci"]),
              "plausibility checking": ("sanity-check the answer", f["plaus"]),
              "mental arithmetic": ("show the arithmetic", f["ment"])}
    skills, tq, ta = finish(g, ["fermi estimation"], extras, k, force,
                            {"scientific notation": 1.5, "plausibility checking": 2, "mental arithmetic": 1.5})
    return glue(q, tq), glue(a, ta), skills


PROOFS = [
    dict(s="the sum of the first n odd numbers is n squared", kind="proof by induction",
         p="Base case: 1 = 1². Step: if 1 + 3 + ... + (2n − 1) = n², adding the next odd number 2n + 1 gives n² + 2n + 1 = (n + 1)², so it holds for n + 1 and hence for all n.",
         nov="Picture square arrangements of dots: each odd number is the L-shaped border that turns an n × n square into an (n + 1) × (n + 1) square.",
         ex="Check small cases first: 1 = 1, 1 + 3 = 4, 1 + 3 + 5 = 9, 1 + 3 + 5 + 7 = 16.",
         soc="What do you have to add to a 3 × 3 square of dots to make it 4 × 4, and how many dots is that?"),
    dict(s="1 + 2 + ... + n = n(n + 1)/2", kind="proof by induction",
         p="Base case: 1 = 1 × 2/2. Step: assuming the formula for n, adding n + 1 gives n(n + 1)/2 + (n + 1) = (n + 1)(n + 2)/2, which is the formula for n + 1.",
         nov="Induction works like dominoes: show the first one falls, and that each falling domino knocks over the next.",
         ex="For n = 4: 1 + 2 + 3 + 4 = 10 and 4 × 5/2 = 10.",
         soc="If you already know the sum up to 10, what is the quickest way to get the sum up to 11?"),
    dict(s="2^n > n for every natural number n", kind="proof by induction",
         p="Base case: 2^1 = 2 > 1. Step: if 2^n > n, then 2^(n + 1) = 2 × 2^n > 2n ≥ n + 1 for n ≥ 1, so the claim holds for n + 1.",
         nov="Doubling grows faster than adding one, and induction turns that intuition into a proof that works for every n.",
         ex="n = 1, 2, 3, 4 give 2 > 1, 4 > 2, 8 > 3, 16 > 4.",
         soc="If 2^n is already bigger than n, how much bigger does doubling make it, and is that enough to beat n + 1?"),
    dict(s="√2 is irrational", kind="proof by contradiction",
         p="Suppose √2 = a/b in lowest terms. Then a² = 2b², so a² is even and so a is even, a = 2c; then 4c² = 2b² gives b² = 2c², so b is even too, contradicting lowest terms.",
         nov="We pretend the opposite is true and follow the logic until it breaks; the break shows the pretend assumption was impossible.",
         ex="Try a fraction close to √2, such as 7/5: 49/25 = 1.96, close to 2 but never exactly, and the proof shows no fraction can hit 2 exactly.",
         soc="If a² is even, could a be odd? What is an odd number squared?"),
    dict(s="there are infinitely many prime numbers", kind="proof by contradiction",
         p="Suppose the primes were only p1, ..., pk. The number N = p1 × ... × pk + 1 leaves remainder 1 when divided by each of them, so any prime factor of N is a prime not on the list, a contradiction.",
         nov="If someone claims to have the complete list of primes, we can always build a number that none of their primes divides.",
         ex="With the list 2, 3, 5: N = 31, which is prime and not on the list; with 2, 3, 5, 7, 11, 13, N = 30031 = 59 × 509, and both factors are new primes.",
         soc="If you divide 2 × 3 × 5 + 1 by 2, 3 or 5, what remainder do you always get?"),
    dict(s="there is no largest even number", kind="proof by contradiction",
         p="Suppose N were the largest even number. Then N + 2 is even and larger than N, which contradicts the assumption, so no largest even number exists.",
         nov="Assume the thing you doubt, and show it leads somewhere impossible.",
         ex="Whatever even number someone names, say 1,000,000, you answer 1,000,002.",
         soc="If I claim 1,000 is the biggest even number, what would you say to me?"),
]


@archetype("math", 1.2)
def a_proof(g: Gen, k: int, force=None):
    p = g.pick(PROOFS)
    q = g.pick(["Prove that {s}.", "Can you show me why {s}?", "How do you prove that {s}?"]).format(s=p["s"])
    a = p["p"]
    extras = {"explaining to a novice": ("explain the idea of the proof in plain words", p["nov"]),
              "worked example": ("check a few cases first", p["ex"]),
              "socratic questioning": ("give me a guiding question before the proof", p["soc"])}
    skills, tq, ta = finish(g, [p["kind"]], extras, k, force,
                            {"explaining to a novice": 2, "worked example": 1.5, "socratic questioning": 1})
    return glue(q, tq), glue(a, ta), skills


DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


@archetype("math", 1.0)
def a_modular(g: Gen, k: int, force=None):
    kind = g.pick(["days", "clock", "weeks"])
    if kind == "days":
        d0 = g.randint(0, 6)
        n = g.randint(20, 400)
        q = f"If today is {DAYS[d0]}, what day of the week will it be in {n} days?"
        a = f"{n} = {n // 7} × 7 + {n % 7}, so it is {n % 7} day{'s' if n % 7 != 1 else ''} after {DAYS[d0]}: a {DAYS[(d0 + n) % 7]}."
        temp = f"Whole weeks bring you back to {DAYS[d0]}, so only the {n % 7} leftover days move the weekday."
        py = f"In Python: `days[(days.index('{DAYS[d0]}') + {n}) % 7]` with a list of the seven day names."
        ment = f"Subtract multiples of 7: {n} − {n // 7 * 7} = {n % 7}."
    elif kind == "clock":
        h0 = g.randint(0, 23)
        n = g.randint(30, 300)
        q = f"It's {h0:02d}:00 now. What time will it be in {n} hours?"
        a = f"{n} = {n // 24} × 24 + {n % 24}, so it will be {(h0 + n) % 24:02d}:00, {plural(n // 24 + (1 if h0 + n % 24 >= 24 else 0), 'day')} later."
        temp = f"Every 24 hours the clock shows the same time again, so only the {n % 24} extra hours change the reading."
        py = f"In Python: `({h0} + {n}) % 24` gives {(h0 + n) % 24}."
        ment = f"{n} ÷ 24 is {n // 24} remainder {n % 24}, and {h0} + {n % 24} = {h0 + n % 24}" + (f", minus 24 is {(h0 + n) % 24}." if h0 + n % 24 >= 24 else ".")
    else:
        start = g.randint(0, 6)
        every = g.pick([3, 4, 5, 9, 10])
        q = f"The recycling is collected every {every} days, starting on a {DAYS[start]}. On which weekday is the 10th collection?"
        n = 9 * every
        a = f"The 10th collection is {n} days after the first; {n} leaves remainder {n % 7} when divided by 7, so it falls on a {DAYS[(start + n) % 7]}."
        temp = f"Because {every} and 7 share no common factor" + (", the collection day cycles through all seven weekdays before repeating." if every % 7 else ".")
        py = f"In Python: `[days[({start} + i * {every}) % 7] for i in range(10)]` lists all ten weekdays."
        ment = f"9 × {every} = {n}, and {n} − {n // 7 * 7} = {n % 7}."
    extras = {"temporal reasoning": ("explain why the cycle works", temp),
              "python programming": ("show how to compute it in Python", py),
              "mental arithmetic": ("show the arithmetic", ment)}
    skills, tq, ta = finish(g, ["modular arithmetic"], extras, k, force,
                            {"temporal reasoning": 2, "python programming": 1, "mental arithmetic": 1.5})
    return glue(q, tq), glue(a, ta), skills


# =========================================================================================================
# Area: planning and tool use
# =========================================================================================================

PROJECTS = [
    dict(goal="organise a charity bake sale at the school in three weeks",
         steps="1) book the hall and date with the school office, 2) recruit bakers and collect a list of what each brings, 3) make posters and a float of change, 4) set up tables and price labels on the morning, 5) count and bank the money.",
         sched="Week 1: book the hall and recruit bakers; week 2: posters up and allergy labels agreed; week 3: confirm bakers by Wednesday, bake on Friday, sell on Saturday.",
         prio="Booking the hall comes first, since everything else depends on the date; decorations can wait.",
         check="Hall booked, bakers confirmed, allergy labels, price list, cash float, card reader charged, tables and cloths, bin bags.",
         risk="The biggest risks are too few bakers (medium likelihood, high impact) and food allergies (low likelihood, very high impact).",
         cont="If bakers drop out, have a plan to buy in two trays of supermarket cakes; if it rains, move into the school foyer.",
         budget="Costs are small: about €30 for posters and labels and €50 as a cash float, returned at the end."),
    dict(goal="move house next month with two children and a cat",
         steps="1) book the van or removal company, 2) declutter and pack room by room, 3) redirect post and transfer utilities, 4) arrange school transport and a cat carrier, 5) clean the old place and hand in keys.",
         sched="Four weeks out: book the van; three weeks: start packing rarely used rooms; two weeks: redirect post and utilities; final week: pack the kitchen, clean and move.",
         prio="Book the van now, since dates fill up; decluttering saves money on everything that follows.",
         check="Van booked, boxes and tape, meter readings, post redirected, school informed, cat carrier, first-night box with kettle and bedding, keys returned.",
         risk="The main risks are the van falling through (low likelihood, high impact) and the cat escaping on the day (medium likelihood, high impact).",
         cont="Keep the number of a second removal firm; put the cat in a closed room with a sign on the door while the movers work.",
         budget="Budget roughly €600 for the van and fuel, €80 for boxes and €150 for end-of-tenancy cleaning."),
    dict(goal="launch a small online shop for my handmade candles",
         steps="1) pick a shop platform and set up payments, 2) photograph and describe the first ten products, 3) work out shipping and packaging, 4) write the policies page, 5) announce it to friends and on social media.",
         sched="Weekends 1-2: platform and photos; weekend 3: shipping tests and policies; weekend 4: soft launch to friends, then public launch the following Friday.",
         prio="Shipping and pricing come before the logo: a beautiful shop that loses money on every parcel is worse than a plain one.",
         check="Payments tested, ten product photos, shipping prices, returns policy, safety labels on candles, first stock of boxes, launch post drafted.",
         risk="Risks include candles breaking in the post (medium, medium) and underpricing once fees are included (high, high).",
         cont="If parcels break, switch to double-boxing with paper padding and refund quickly; revisit prices after the first 20 orders.",
         budget="Start-up costs: around €25 a month for the platform, €60 for packaging and €40 for a small photo setup."),
    dict(goal="organise my grandmother's 80th birthday party",
         steps="1) agree the date and guest list with the family, 2) book a venue that is easy for older guests to reach, 3) order food and cake, 4) gather old photos for a slideshow, 5) arrange transport for guests who do not drive.",
         sched="Six weeks out: date and guests; five weeks: venue; three weeks: invitations and food; one week: slideshow and seating; day before: confirm lifts.",
         prio="Lock in the venue first, because step-free venues with parking are scarce at weekends.",
         check="Venue booked, invitations sent, dietary needs noted, cake ordered, slideshow tested, chairs with arms, lifts arranged, speeches agreed.",
         risk="Risks are a key relative being unable to travel (medium, medium) and Grandma getting tired (high, medium).",
         cont="Set up a video call for anyone who cannot come, and keep the party to three hours with a quiet room available.",
         budget="For 40 guests, allow about €25 a head for food and venue, €60 for the cake and €30 for decorations."),
    dict(goal="get our allotment ready for spring planting",
         steps="1) clear weeds and old crops, 2) repair the shed and water butt, 3) dig in compost, 4) plan which beds get which crops, 5) start seeds indoors.",
         sched="January: clear and repair; February: compost and plan the beds; March: sow seeds indoors; April: plant out hardy crops.",
         prio="Clearing comes first, because you cannot dig in compost or plan beds under last year's weeds.",
         check="Beds cleared, shed roof patched, water butt connected, compost spread, crop plan drawn, seeds bought, trays and labels ready.",
         risk="Late frost (medium likelihood, high impact for tender seedlings) and slugs (high, medium) are the main risks.",
         cont="Keep fleece ready for frost nights and delay planting tender crops until mid-May if it stays cold.",
         budget="About €40 for seeds, €30 for compost if the heap is not ready and €20 for shed repairs."),
    dict(goal="write and submit a grant application for our community garden",
         steps="1) read the funder's criteria and deadline, 2) agree the project and budget with the committee, 3) gather letters of support, 4) draft, review and edit, 5) submit and confirm receipt.",
         sched="Week 1: criteria and committee meeting; week 2: budget and support letters requested; week 3: draft and review; week 4: final edits and submission two days before the deadline.",
         prio="The budget is the priority: funders reject vague costs, and the rest of the application hangs on it.",
         check="Eligibility confirmed, budget with quotes, two support letters, photos, bank details, signatures, submission receipt saved.",
         risk="Missing the deadline (low, very high) and a support letter arriving late (medium, medium).",
         cont="Ask for support letters from three people in case one is late, and aim to submit two days early.",
         budget="The application itself costs little; the grant budget should include tools, a water tank and a small contingency of 10%."),
]


@archetype("plan", 2.3)
def a_project(g: Gen, k: int, force=None):
    p = g.pick(PROJECTS)
    q = g.pick(["I need to {g}. Where do I start?", "Help me {g}.", "Can you break down how to {g}?",
                "What's the plan if I want to {g}?"]).format(g=p["goal"])
    a = "Break it into five steps: " + p["steps"]
    extras = {"scheduling": ("put it on a timeline", p["sched"]),
              "prioritisation": ("tell me what matters most", p["prio"]),
              "checklist making": ("give me a checklist", p["check"]),
              "risk assessment": ("tell me what could go wrong", p["risk"]),
              "contingency planning": ("give me a backup plan", p["cont"]),
              "budgeting": ("estimate the costs", p["budget"])}
    skills, tq, ta = finish(g, ["task decomposition"], extras, k, force,
                            {"scheduling": 3, "prioritisation": 2, "checklist making": 2, "risk assessment": 1.5,
                             "contingency planning": 1.2, "budgeting": 1})
    return glue(q, tq), glue(a, ta), skills


TRIPS = [
    dict(place="Lisbon", to="to Lisbon", in_="in Lisbon", days=3, plan="Day 1: the old town and castle on foot, ending at a viewpoint at sunset; day 2: tram to Belém for the monastery and pastries, then the riverside; day 3: a day trip by train to Sintra, back for dinner.",
         budget="Allow about €90 a day per person for a mid-range room share, food and transport, plus €15 for Sintra train tickets and €20 for entry fees.",
         sched="Start Sintra early, on the 9:00 train, because the palaces get crowded by 11:00, and book the castle tickets online.",
         cont="If it rains on day 1, swap in the tile museum and the covered market, and move the walking to day 2.",
         etiq="Dinner starts late, often after 20:00, and the bread and olives placed on the table are usually charged if you eat them.",
         time="Sintra is about 40 minutes by train each way, so leave a full day for it."),
    dict(place="the Lake District", to="to the Lake District", in_="in the Lake District", days=2, plan="Day 1: an easy lakeside walk and a boat across the lake, then a pub dinner; day 2: a half-day hill walk with a view, and a visit to a village tea room on the way back.",
         budget="With a B&B at about €100 a night for two, plus €30 for the boat and €40 a day for food, budget roughly €250 for two people.",
         sched="Do the hill walk in the morning when weather tends to be clearer, and check the last boat time the day before.",
         cont="If the fells are in cloud, take the lower valley path instead and save the summit for another visit.",
         etiq="Close every gate behind you and keep dogs on a lead near sheep.",
         time="A 10 km walk with 400 m of climbing takes about three and a half hours at a steady pace."),
    dict(place="Vienna", to="to Vienna", in_="in Vienna", days=4, plan="Day 1: the old centre and cathedral; day 2: a palace and its gardens; day 3: museums, with a coffee-house break; day 4: the Danube and a relaxed market morning before leaving.",
         budget="A 72-hour transport pass is about €17; with €120 a day for a room and food per person and €60 for museums, four days cost roughly €560.",
         sched="Visit the palace on a weekday morning and the museums on the day they open late, to avoid queues.",
         cont="If the palace tour sells out, book the gardens and the zoo next door for the same slot and try again the next morning.",
         etiq="In coffee houses it is normal to sit for a long time over one coffee; waiters bring water unasked, and a tip of about 5-10% is usual.",
         time="Most museums close around 18:00, so plan the evening around concerts or dinner."),
    dict(place="the Dutch coast by bike", to="cycling along the Dutch coast", in_="cycling along the Dutch coast", days=3, plan="Day 1: rent bikes and ride 35 km along the dunes to a seaside town; day 2: a flat 45 km loop inland through villages and windmills; day 3: an easy 25 km back, with a swim if it is warm.",
         budget="Bike hire is about €15 a day, guesthouses around €90 a night, and food €35 a day, so about €400 per person for three days.",
         sched="Ride into the wind in the morning when you are fresh, and book guesthouses that allow bikes inside.",
         cont="If a strong headwind or storm is forecast, take the regional train with your bike for the hardest stretch.",
         etiq="Keep to the right on cycle paths, signal turns with your arm, and never stop in the middle of the path.",
         time="At a relaxed 15 km/h, 45 km takes three hours of riding, so a full day with stops."),
]


@archetype("plan", 1.6)
def a_trip(g: Gen, k: int, force=None):
    t = g.pick(TRIPS)
    who = g.pick(["my partner and me", "me and two friends", "my parents", "our family of four", "me on my own"])
    q = g.pick(["Plan a {d}-day trip {to} for {w}.", "Can you suggest an itinerary for {d} days {in_}? It's for {w}.",
                "We'll spend {d} days {in_} ({w}). What should the plan look like?"]).format(d=t["days"], to=t["to"], in_=t["in_"], w=who)
    a = t["plan"]
    extras = {"budgeting": ("include a rough budget", t["budget"]),
              "scheduling": ("tell me what to book or do first", t["sched"]),
              "contingency planning": ("add a plan B for bad weather", t["cont"]),
              "social etiquette": ("mention local customs I should know", t["etiq"]),
              "temporal reasoning": ("check the timings are realistic", t["time"])}
    skills, tq, ta = finish(g, ["itinerary planning"], extras, k, force,
                            {"budgeting": 2.5, "scheduling": 1.5, "contingency planning": 1.5, "social etiquette": 1, "temporal reasoning": 1})
    return glue(q, tq), glue(a, ta), skills


@archetype("plan", 1.5)
def a_budget(g: Gen, k: int, force=None):
    income = g.randint(16, 45) * 100
    rent = round(income * g.rng.uniform(0.28, 0.45) / 10) * 10
    food = g.randint(25, 60) * 10
    transport = g.randint(5, 20) * 10
    bills = g.randint(10, 30) * 10
    fun = g.randint(10, 40) * 10
    spent = rent + food + transport + bills + fun
    left = income - spent
    q = (f"I take home €{income:,} a month. Rent is €{rent:,}, food about €{food}, transport €{transport}, bills €{bills} and "
         f"going out about €{fun}. How should I budget?")
    a = (f"Your listed costs add up to €{spent:,}, leaving €{left:,}" + (", which is a shortfall to fix first." if left < 0 else
         f"; pay part of that into savings on payday, before it gets spent."))
    extras = {"percentages": ("tell me what share of my income each takes",
                              f"Rent takes {rent / income * 100:.0f}% of your income and food {food / income * 100:.0f}%; a common guide is to keep housing near a third."),
              "prioritisation": ("tell me what to cut first if I need to",
                                 "Cut flexible spending first, starting with going out and subscriptions, and protect rent, bills and food."),
              "spreadsheet formulas": ("suggest how to track it in a spreadsheet",
                                       "List categories in column A and amounts in B, then use =SUM(B2:B6) for total costs and =B1-SUM(B2:B6) for what is left, with income in B1."),
              "calculator use": ("show the sums", f"{rent} + {food} + {transport} + {bills} + {fun} = {spent}, and {income} − {spent} = {left}.")}
    skills, tq, ta = finish(g, ["budgeting"], extras, k, force,
                            {"percentages": 2, "prioritisation": 1.5, "spreadsheet formulas": 1.2, "calculator use": 1})
    return glue(q, tq), glue(a, ta), skills


TOOLQS = [
    dict(q="What will the weather be in Lyon on Saturday, and should I take the train or drive there from Geneva?",
         tools="search_web(query), get_weather(city, date), route(from, to, mode)",
         plan="Call get_weather for Lyon on Saturday, call route twice, once by train and once by car, then compare travel time with the forecast.",
         json='{"name": "get_weather", "arguments": {"city": "Lyon", "date": "saturday"}} followed by {"name": "route", "arguments": {"from": "Geneva", "to": "Lyon", "mode": "train"}}',
         search="No web search is needed unless you want engineering works on the line; then search 'Geneva Lyon train engineering works this weekend'.",
         calc=None),
    dict(q="How much will my €2,500 of savings be worth in US dollars at today's rate, and what is 3% of that?",
         tools="search_web(query), calculator(expression), get_exchange_rate(from, to)",
         plan="Get today's EUR to USD rate with get_exchange_rate, multiply 2,500 by it with the calculator, then take 3% of the result.",
         json='{"name": "get_exchange_rate", "arguments": {"from": "EUR", "to": "USD"}} then {"name": "calculator", "arguments": {"expression": "2500 * RATE * 0.03"}}',
         search="A web search is not needed, since the exchange-rate tool gives an up-to-date figure more reliably than a search result.",
         calc="Keep the rate unrounded in the calculation, e.g. 2500 * 1.0843, and round only the final answer to cents."),
    dict(q="Find a vegetarian restaurant near the conference centre in Leeds that's open after 21:00 tonight.",
         tools="search_places(query, near, open_at), get_opening_hours(place_id), search_web(query)",
         plan="Search places for vegetarian restaurants near the conference centre open at 21:00, then check the opening hours of the top results to be sure.",
         json='{"name": "search_places", "arguments": {"query": "vegetarian restaurant", "near": "Leeds conference centre", "open_at": "21:00"}}',
         search="If the places tool returns nothing, a web search such as 'vegetarian restaurant Leeds city centre late opening' is the fallback.",
         calc=None),
    dict(q="How many days are left until the passport renewal deadline on 14 November, and what documents do I need?",
         tools="get_date(), calculator(expression), search_web(query)",
         plan="Get today's date, compute the days to 14 November, then search the official government site for the renewal checklist.",
         json='{"name": "get_date", "arguments": {}} then {"name": "search_web", "arguments": {"query": "passport renewal documents required site:gov"}}',
         search="Restrict the search to the official government domain, since third-party sites often charge fees or are out of date.",
         calc="Compute the difference in days with the calculator once the date is known, rather than counting on a calendar."),
    dict(q="Convert this recipe for 12 people from grams to cups and tell me the total cost if flour is €1.20 per kilo.",
         tools="calculator(expression), convert_units(value, from, to), search_web(query)",
         plan="Use convert_units for each ingredient, then the calculator to scale the flour amount and multiply by the price per kilo.",
         json='{"name": "convert_units", "arguments": {"value": 500, "from": "g_flour", "to": "cup"}}',
         search="Only search if an ingredient is missing from the converter, using a query like 'grams per cup brown sugar'.",
         calc="Cost of flour = kilograms × 1.20, so 1.5 kg costs 1.5 * 1.20 = €1.80."),
]


@archetype("plan", 1.6)
def a_toolplan(g: Gen, k: int, force=None):
    t = g.pick(TOOLQS)
    q = f"You are an assistant with these tools: {t['tools']}. The user asks: \"{t['q']}\" Which tools do you call, in what order?"
    a = t["plan"] + " " + g.pick(["Each tool is used for the part it answers reliably, and the reply combines their results.",
                                  "Nothing is guessed that a tool can look up or compute.",
                                  "The order matters, because later steps need the earlier results."])
    extras = {"json tool calls": ("write the first calls as JSON", "As JSON: " + t["json"]),
              "search query formulation": ("say what you'd search for, if anything", t["search"]),
              "task decomposition": ("split the request into sub-questions first",
                                     "First split the request into its separate sub-questions, answer each with the right tool, then combine the answers in one reply.")}
    w = {"json tool calls": 3, "search query formulation": 1.5, "task decomposition": 1.2}
    if t["calc"]:
        extras["calculator use"] = ("say how to use the calculator precisely", t["calc"])
        w["calculator use"] = 1.5
    skills, tq, ta = finish(g, ["tool selection"], extras, k, force, w)
    return glue(q, tq), glue(a, ta), skills


SEARCHES = [
    dict(need="whether my landlord can keep my deposit for normal wear and tear",
         qs="'tenancy deposit normal wear and tear rules' plus your country, and 'site:gov' to get the official guidance first",
         ev="Prefer the government guidance and the deposit protection scheme's own pages over forums, and note the date of each page, since rules change.",
         plaus="If a forum post says the landlord can keep the whole deposit for faded paint, treat it as unlikely: fair wear and tear is almost always excluded.",
         tool="A web search is the right tool here, but for your specific case a free housing advice line is better than any search."),
    dict(need="if it's safe to give my dog grapes",
         qs="'dogs grapes toxic veterinary' or 'site:vet association grapes dogs'",
         ev="Look for a veterinary body or university vet school page; they agree that grapes and raisins can cause kidney failure in dogs, even in small amounts.",
         plaus="A blog claiming 'a few are fine' conflicts with veterinary advice, and the downside is severe, so do not rely on it.",
         tool="For a dog that has already eaten grapes, phone a vet now rather than searching further."),
    dict(need="how long a new laptop battery should last before it needs replacing",
         qs="'laptop battery charge cycles lifespan manufacturer' plus your laptop model",
         ev="The manufacturer's support page usually states the rated cycle count, which is better evidence than user reviews.",
         plaus="A claim that a battery lasts 'forever if you never charge it past 80%' is an exaggeration; it slows wear but does not stop it.",
         tool="Your laptop's own battery report (a built-in command on most systems) gives the actual wear, which beats any search."),
    dict(need="which local councils in my area collect food waste separately",
         qs="'food waste collection' plus each council's name, restricted to the councils' own sites",
         ev="Council web pages are the authoritative source; news articles may describe plans that were later dropped.",
         plaus="If a page says a collection 'starts next year' but is three years old, check whether it actually started.",
         tool="A map-based council lookup on the national government site is faster than searching each council by name."),
    dict(need="whether drinking coffee stunts children's growth",
         qs="'caffeine children growth systematic review' and 'coffee stunt growth myth'",
         ev="Look for systematic reviews or health-service pages rather than single studies; current evidence does not support the idea that coffee stunts growth, though caffeine can disturb children's sleep.",
         plaus="The claim is an old myth; its survival in family lore is not evidence for it.",
         tool="A search engine's scholarly mode helps find reviews rather than opinion pieces."),
]


@archetype("plan", 1.0)
def a_search(g: Gen, k: int, force=None):
    s = g.pick(SEARCHES)
    q = g.pick(["What should I search for to find out {n}?", "How do I look up {n} without getting junk results?",
                "Help me find reliable information on {n}."]).format(n=s["need"])
    a = "Try " + s["qs"] + "."
    extras = {"citing evidence": ("tell me which sources to trust", s["ev"]),
              "plausibility checking": ("tell me how to spot dubious claims", s["plaus"]),
              "tool selection": ("tell me if a search is even the best tool", s["tool"])}
    skills, tq, ta = finish(g, ["search query formulation"], extras, k, force,
                            {"citing evidence": 2.5, "plausibility checking": 1.5, "tool selection": 1})
    return glue(q, tq), glue(a, ta), skills


RISKS = [
    dict(act="a school trip to a city museum for 60 ten-year-olds",
         r="The main risks are a child getting lost in crowds (medium likelihood, high impact), travel delays (medium, low) and allergies at lunch (low, high).",
         cont="Give each child a wristband with the school phone number, agree a meeting point, and carry a list of allergies and spare medication.",
         safe="Keep a ratio of about one adult to eight children and count heads at every doorway and on and off the coach.",
         prio="Deal with the lost-child risk first, since it is both fairly likely and serious.",
         check="Consent forms, medical list, wristbands, first-aid kit, head-count sheet, coach booking, museum contact."),
    dict(act="an outdoor summer concert in the park",
         r="Rain (high, medium), heatstroke (medium, high), overcrowding at the gates (low, high) and noise complaints (medium, low).",
         cont="Have a covered stage and a clear cancellation rule for storms, with a text alert to ticket holders.",
         safe="Provide free water, shaded areas, first aiders and marked emergency exits, and cap ticket sales below capacity.",
         prio="Weather and heat come first, because they are the most likely to affect everyone.",
         check="Forecast checked, first aiders booked, water points, exits marked, stewards briefed, noise curfew agreed."),
    dict(act="a solo hike on a mountain trail I haven't done before",
         r="Getting lost (medium, high), a sudden weather change (medium, high), injury far from help (low, very high) and running out of water (low, medium).",
         cont="Set a turn-back time, leave your route with someone at home, and know where the lower escape path leaves the ridge.",
         safe="Carry a map and compass as well as your phone, a warm layer, a head torch and more water than you expect to need.",
         prio="Tell someone your route before anything else; it turns every other emergency into a manageable one.",
         check="Route shared, forecast checked, map and compass, charged phone and battery pack, water, food, layers, head torch, whistle."),
    dict(act="switching our small office to a new accounting system",
         r="Data lost in migration (low, very high), staff not trained in time (medium, medium) and invoices delayed during the switch (medium, high).",
         cont="Run the old and new systems in parallel for one month and keep a full export of the old data.",
         safe="Restrict access rights from day one and test restoring a backup before you rely on it.",
         prio="Protect the data first: a verified backup matters more than anything else in the plan.",
         check="Backup exported and tested, parallel run planned, training booked, invoice deadlines noted, supplier contact saved."),
]


@archetype("plan", 1.2)
def a_risk(g: Gen, k: int, force=None):
    r = g.pick(RISKS)
    q = g.pick(["What are the risks of {a}?", "Can you do a quick risk assessment for {a}?", "We're planning {a}. What could go wrong?"]).format(a=r["act"])
    a = r["r"] if r["r"].startswith("The") else "The main risks: " + r["r"][0].lower() + r["r"][1:]
    a += " " + g.pick(["Weigh each by likelihood and impact to decide where the effort goes.",
                       "The ones that are both likely and serious deserve attention first.",
                       "Likelihood times impact gives a rough ranking."])
    extras = {"contingency planning": ("give me a fallback plan", r["cont"]),
              "safety awareness": ("list the key safety measures", r["safe"]),
              "prioritisation": ("tell me which to tackle first", r["prio"]),
              "checklist making": ("turn it into a checklist", r["check"])}
    skills, tq, ta = finish(g, ["risk assessment"], extras, k, force,
                            {"contingency planning": 2.5, "safety awareness": 2, "prioritisation": 1.2, "checklist making": 1.2})
    return glue(q, tq), glue(a, ta), skills


TASKS = [("reply to the landlord about the leak", 15, True, True), ("finish the quarterly report", 120, True, True),
         ("book the dentist", 5, False, True), ("tidy the garage", 90, False, False), ("call Mum back", 20, False, True),
         ("pay the electricity bill due today", 5, True, True), ("prepare slides for tomorrow's meeting", 60, True, True),
         ("sort the photo library", 60, False, False), ("buy a birthday present for Friday", 30, False, True),
         ("answer the recruiter's email", 10, False, True), ("renew the car insurance expiring next week", 25, False, True),
         ("clean out the fridge", 20, False, False)]


@archetype("plan", 1.4)
def a_prioritise(g: Gen, k: int, force=None):
    tasks = g.sample(TASKS, g.randint(4, 6))
    hours = g.pick([2, 3, 4])
    options = {"scheduling": 2.5, "temporal reasoning": 1}
    extras = g.choose(["prioritisation"], options, k, force)
    q = f"I have about {hours} hours free today and these tasks: " + "; ".join(t[0] for t in tasks) + ". What should I do first?"
    urgent = [t for t in tasks if t[2]]
    important = [t for t in tasks if t[3] and not t[2]]
    later = [t for t in tasks if not t[3] and not t[2]]
    order = sorted(urgent, key=lambda t: t[1]) + sorted(important, key=lambda t: t[1]) + later
    a = ("Do the urgent ones first: " + join_and(t[0] for t in sorted(urgent, key=lambda t: t[1])) + "; then the quick important ones: "
         + join_and(t[0] for t in sorted(important, key=lambda t: t[1])) +
         (("; and leave " + join_and(t[0] for t in later) + " for another day.") if later else "."))
    if not urgent:
        a = "Nothing is due today, so start with the quick important ones: " + join_and(t[0] for t in sorted(important, key=lambda t: t[1])) + \
            (("; leave " + join_and(t[0] for t in later) + " for the weekend.") if later else ".")
    if not important and urgent:
        a = a.replace("; then the quick important ones: ", "")
    parts, asks = [], []
    t0 = 9 * 60
    fits, used = [], 0
    for t in order:
        if used + t[1] <= hours * 60:
            fits.append((t, t0 + used))
            used += t[1] + 5
    for e in extras:
        if e == "scheduling":
            asks.append("put them into a timetable starting at 9:00")
            parts.append("Timetable: " + "; ".join(f"{hhmm(st)} {t[0]}" for t, st in fits) + ".")
        elif e == "temporal reasoning":
            asks.append("tell me what actually fits in the time")
            left = [t[0] for t in order if t not in [f[0] for f in fits]]
            parts.append(f"With short breaks, {len(fits)} of the tasks fit into {hours} hours" +
                         (f"; {join_and(left)} will not." if left else ", with a little time to spare."))
    return glue(q, ask_more(g, asks)), glue(a, *parts), ["prioritisation"] + extras


# =========================================================================================================
# Area: science explanation
# =========================================================================================================

PHENOMENA = [
    dict(q="why the sky is blue",
         evid="The evidence is that sunset light, which crosses far more air, is reddened: the blue has been scattered out along the way, exactly as the theory predicts.",
         demo="Shine a torch through a glass of water with a few drops of milk: from the side the glass looks bluish, and the light coming straight through looks orange.",
         mech="Sunlight contains all colours, and the gas molecules in air scatter short blue wavelengths much more strongly than red ones, so blue light reaches our eyes from every direction of the sky.",
         nov="Sunlight is a mix of colours, and the air bounces the blue part around the most, so the whole sky glows blue.",
         analogy="It is like throwing a mix of small and large balls through a forest: the small ones ricochet everywhere while the big ones mostly go straight through.",
         mis="The sky is not blue because it reflects the sea; it is blue over deserts too, and the sea partly looks blue because it reflects the sky.",
         energy=None, evo=None, sys=None),
    dict(q="how a fridge keeps food cold",
         evid="You can confirm it with a thermometer: the coils at the back run well above room temperature while the inside stays near 4 °C.",
         demo="Wet your hand and blow on it: the cooling you feel is the same evaporation effect the fridge exploits.",
         mech="A pump compresses a refrigerant gas, which heats it; the hot gas releases heat through the coils at the back, turns liquid, then expands through a valve inside the fridge, where it evaporates and absorbs heat from the food.",
         nov="A fridge is a heat mover: it picks up warmth from inside and dumps it out of the back.",
         analogy="It works like sweat drying on your skin: evaporation soaks up heat, and the fridge makes that happen on purpose, over and over.",
         mis="A fridge does not make 'cold'; it removes heat, which is why the back of it feels warm.",
         energy="Electrical energy runs the compressor, and the fridge releases more heat at the back than it removes from the food, because the compressor's work ends up as heat too.",
         evo=None, sys=None),
    dict(q="why bread rises",
         evid="Dough made with yeast killed by very hot water stays flat, which shows it is the living yeast, not kneading, that makes the gas.",
         demo="Put yeast, sugar and warm water in a bottle with a balloon over the neck; the balloon inflates within half an hour.",
         mech="Yeast feeds on sugars in the dough and releases carbon dioxide; the stretchy gluten network traps the gas in bubbles, and the oven's heat expands them before the structure sets.",
         nov="Tiny living yeast cells breathe out gas, and the dough holds the gas in like a balloon.",
         analogy="The gluten is like chewing gum: stretchy enough to blow bubbles in, strong enough to keep them.",
         mis="Kneading does not add air to make bread rise; it builds the gluten that holds the gas the yeast produces.",
         energy="The yeast gets its energy from breaking down sugar, and the oven's heat makes the gas expand one last time before the crust sets.",
         evo=None, sys=None),
    dict(q="why antibiotics stop working when people don't finish the course or use them too often",
         evid="Hospitals track resistance rates, and rises in resistance follow rises in antibiotic use, both over time and between countries.",
         demo="In a lab, growing bacteria on plates with rising antibiotic concentrations shows resistant colonies taking over within days.",
         mech="Antibiotics kill susceptible bacteria, but a few may carry mutations that let them survive; when the drug keeps removing their competitors, those resistant bacteria multiply and spread.",
         nov="Every time we use antibiotics, the toughest germs are the ones left standing, and they become the new normal.",
         analogy="It is like weeding a garden with a tool that only removes small weeds: soon the garden is full of the big ones.",
         mis="People do not become resistant to antibiotics; the bacteria do.",
         energy=None,
         evo="This is natural selection in fast-forward: bacteria reproduce every few hours, so a resistant variant can take over within days.",
         sys="Resistance spreads through hospitals, farms and households, so overuse in one place affects patients everywhere."),
    dict(q="why leaves change colour in autumn",
         evid="Chemical tests on green summer leaves find the yellow pigments already present, hidden by chlorophyll, which supports the explanation.",
         demo="Crush a green leaf in a little nail-polish remover and run the liquid up a strip of coffee filter: yellow bands separate from the green.",
         mech="As days shorten, trees stop making green chlorophyll and break it down; yellow and orange pigments that were there all along become visible, and some trees make new red pigments from trapped sugars.",
         nov="The green paint fades away in autumn, and the yellow and orange that were hidden underneath show through.",
         analogy="It is like peeling a green sticker off a yellow label.",
         mis="Cold does not 'paint' the leaves red; the shortening days start the process, and sunny days with cool nights just make reds brighter.",
         energy="Trees pull useful nutrients back from the leaves before dropping them, saving energy for spring growth.",
         evo="Dropping leaves in winter is an adaptation: broad leaves would lose water and be damaged by frost when there is little light to use.",
         sys="Fallen leaves feed the soil organisms that recycle nutrients back to the tree, closing a yearly loop."),
    dict(q="why we have seasons",
         evid="The seasons are reversed between the hemispheres, which distance from the Sun cannot explain but the tilt does.",
         demo="Shine a torch on a globe tilted on its axis and walk it around a lamp to see each hemisphere lean in and out of the light.",
         mech="Earth's axis is tilted about 23 degrees, so for half the year one hemisphere leans toward the Sun, getting higher, more direct sunlight and longer days, and for the other half it leans away.",
         nov="The Earth is tipped over a bit, so as it goes around the Sun, each half takes turns getting more direct sunshine.",
         analogy="Shine a torch straight down on a table and then at a slant: the slanted beam spreads over more area and each spot gets less light.",
         mis="Seasons are not caused by the Earth being closer to the Sun; Earth is actually nearest the Sun in early January, during the northern winter.",
         energy="Direct sunlight delivers more energy per square metre, and longer days add more hours of it, so summer ground warms up.",
         evo=None, sys=None),
    dict(q="why the ocean is salty but rivers are not",
         evid="Measurements show river water carries small amounts of dissolved salts, and ancient salt deposits mark places where seawater evaporated.",
         demo="Evaporate a glass of seawater and a glass of tap water on a sunny windowsill: only the first leaves a thick crust.",
         mech="Rain slowly dissolves minerals from rocks and rivers carry them to the sea; water leaves the sea by evaporation, but the salts stay behind, so they have built up over millions of years.",
         nov="Rivers carry a tiny pinch of salt to the sea all the time, and when seawater evaporates the salt is left behind.",
         analogy="It is like a pan of soup simmering with the lid off: the water goes, and the soup gets saltier.",
         mis="Rivers are not salt-free; they are just far less salty because their water is constantly replaced by fresh rain.",
         energy="The Sun's energy drives the evaporation that removes fresh water and leaves the salt behind.",
         evo=None,
         sys="Salt input from rivers is roughly balanced by salt trapped in sediments, which is why sea saltiness is now fairly stable."),
    dict(q="why giraffes have long necks",
         evid="Fossils of giraffe relatives show necks of increasing length over millions of years, and field studies record both feeding and neck-fighting advantages.",
         demo="You cannot breed giraffes at home, but you can compare neck length and the height of leaves eaten in field photographs, as researchers do.",
         mech="Longer necks let giraffes reach leaves others cannot and are also used by males in neck-swinging contests, so individuals with slightly longer necks tended to leave more offspring.",
         nov="Giraffes with a bit more neck did a bit better, had more babies, and over a very long time the necks got longer.",
         analogy="It is like a family recipe that changes a little each generation, and only the versions people love get passed on.",
         mis="Giraffes did not get long necks by stretching during their lives; stretching does not change what is passed on to offspring.",
         energy=None,
         evo="Variation in neck length is inherited, and selection from feeding and mating competition favoured longer necks over many generations.",
         sys=None),
]


@archetype("science", 2.3)
def a_explain_science(g: Gen, k: int, force=None):
    p = g.pick(PHENOMENA)
    q = g.pick(["Can you explain {q}?", "Explain {q}.", "My daughter asked me {q}. What's the answer?",
                "I've always wondered {q}."]).format(q=p["q"])
    a = p["mech"]
    extras = {"explaining to a novice": ("keep it simple for a child", p["nov"]),
              "analogy": ("give me an analogy", p["analogy"]),
              "misconception correction": ("clear up the usual misconception", p["mis"])}
    w = {"explaining to a novice": 2, "analogy": 1.5, "misconception correction": 2}
    extras["citing evidence"] = ("tell me how we know", p["evid"])
    extras["experimental design"] = ("suggest a way to see it for myself", p["demo"])
    w.update({"citing evidence": 1.5, "experimental design": 1.2})
    for key, skill, phrase in [("energy", "energy reasoning", "say where the energy comes in"),
                               ("evo", "evolutionary reasoning", "explain the evolutionary side"),
                               ("sys", "systems thinking", "mention the bigger system it's part of")]:
        if p[key]:
            extras[skill] = (phrase, p[key])
            w[skill] = 2
    skills, tq, ta = finish(g, ["mechanism explanation"], extras, k, force, w)
    return glue(q, tq), glue(a, ta), skills


EXPERIMENTS = [
    dict(q="whether music helps houseplants grow",
         design="Use at least 20 identical seedlings, randomly split into two groups in separate but identical rooms, one with music for a few hours a day, and measure height and leaf count weekly for six weeks.",
         ctrl="Keep light, water, temperature, pot size and soil the same for both groups, so that music is the only difference.",
         hyp="Hypothesis: if vibrations from music affect growth, the plants with music will be taller after six weeks than the silent group.",
         unc="Measure height with the same ruler at the same time of day; each reading is good to about ±2 mm, so small differences may be noise.",
         stats="Compare the mean heights of the two groups and look at the spread; with 10 plants each, a difference smaller than the variation within groups is not convincing."),
    dict(q="which brand of paper towel absorbs the most water",
         design="Cut equal-sized squares of each brand, dip each in water for ten seconds, let it drip for thirty seconds, and weigh it before and after; repeat five times per brand.",
         ctrl="Use the same water temperature, square size, dipping time and dripping time for every sheet.",
         hyp="Hypothesis: the thicker, two-ply brand will hold the most water per square because it has more fibres to trap water.",
         unc="Kitchen scales read to about 1 g, so use several sheets at once if single sheets only absorb a few grams.",
         stats="Report the mean water absorbed per brand with the range across the five repeats, and rank the brands by mean."),
    dict(q="whether caffeine improves reaction time",
         design="Test 20 volunteers twice, on different days, once after a caffeinated drink and once after an identical decaf drink, in random order and without telling them which is which, using a ruler-drop test.",
         ctrl="Keep the time of day, the drink volume and the test procedure the same, and ask volunteers not to have other caffeine that day.",
         hyp="Hypothesis: if caffeine makes the nervous system respond faster, catch distances will be shorter after the caffeinated drink.",
         unc="A ruler drop measured to the nearest 0.5 cm corresponds to a few milliseconds of reaction time, so average several drops per session.",
         stats="Compare each person's two results and look at the average difference, which removes the effect of some people simply being faster."),
    dict(q="whether salt water freezes at a lower temperature than fresh water",
         design="Put equal amounts of water with 0, 5, 10 and 15 g of salt per 100 ml in identical cups in the freezer, and record the temperature every five minutes with a thermometer until each freezes.",
         ctrl="Use the same cups, the same volume, the same starting temperature and the same freezer shelf.",
         hyp="Hypothesis: the more salt, the lower the freezing point, because dissolved salt gets in the way of ice forming.",
         unc="A kitchen thermometer reads to about ±0.5 °C, and the moment of freezing is easy to misjudge, so note the temperature where it stays flat.",
         stats="Plot freezing temperature against salt amount; the points should fall roughly on a straight line."),
    dict(q="whether a ball bounces higher when it's warm",
         design="Warm one set of identical balls in a warm room and cool another in the fridge, then drop each from one metre onto the same hard floor and film the bounce against a measuring tape.",
         ctrl="Drop from the same height onto the same spot, with balls of the same type and age, and only let temperature differ.",
         hyp="Hypothesis: warm balls will bounce higher, because the rubber is more elastic and the gas inside is at higher pressure.",
         unc="Reading a bounce height from video is good to about ±1 cm; use slow motion and repeat each drop five times.",
         stats="Compare the average bounce height for warm and cold balls and the spread of each set of drops."),
]


@archetype("science", 1.8)
def a_experiment(g: Gen, k: int, force=None):
    e = g.pick(EXPERIMENTS)
    who = g.pick(["for my science fair project", "for my class", "at home with my kids", "for a school project"])
    q = g.pick(["How can I test {q} {w}?", "Design an experiment to find out {q}, {w}.", "I want to find out {q} {w}. How should I set it up?"]).format(q=e["q"], w=who)
    a = e["design"] + " " + g.pick(["Decide before you start what result would count as a yes.",
                                    "Write down the plan before starting, so you cannot change it after seeing the results.",
                                    "Run the whole thing twice if you can, to check the result holds."])
    extras = {"control variables": ("tell me what to keep the same", e["ctrl"]),
              "hypothesis formulation": ("help me write the hypothesis", e["hyp"]),
              "measurement uncertainty": ("tell me how precise the measurements will be", e["unc"]),
              "descriptive statistics": ("tell me how to analyse the results", e["stats"])}
    skills, tq, ta = finish(g, ["experimental design"], extras, k, force,
                            {"control variables": 3, "hypothesis formulation": 2, "measurement uncertainty": 1.2, "descriptive statistics": 1.2})
    return glue(q, tq), glue(a, ta), skills


REACTIONS = [
    dict(u="H2 + O2 -> H2O", b="2 H2 + O2 -> 2 H2O", how="Oxygen is unbalanced (2 on the left, 1 on the right), so put 2 in front of H2O; that makes 4 hydrogens on the right, so put 2 in front of H2.",
         ratio="The equation says 2 molecules of hydrogen react with 1 of oxygen, so the gases react in a 2:1 ratio by volume.",
         check="Can you count the atoms of each element on both sides and confirm they match?"),
    dict(u="CH4 + O2 -> CO2 + H2O", b="CH4 + 2 O2 -> CO2 + 2 H2O", how="Carbon is already balanced; 4 hydrogens need 2 H2O; then there are 4 oxygens on the right, so use 2 O2.",
         ratio="One methane needs two oxygen molecules, so burning 16 g of methane uses 64 g of oxygen.",
         check="Which element did we balance last, and why is it usually best to leave oxygen until the end?"),
    dict(u="Fe + O2 -> Fe2O3", b="4 Fe + 3 O2 -> 2 Fe2O3", how="Oxygen comes in pairs on the left and threes on the right, so use 6 oxygens: 3 O2 and 2 Fe2O3; that needs 4 iron atoms.",
         ratio="Iron and oxygen molecules react in a 4:3 ratio, which is why rusting slowly uses up oxygen in a closed jar.",
         check="How many iron atoms are there in 2 Fe2O3?"),
    dict(u="C3H8 + O2 -> CO2 + H2O", b="C3H8 + 5 O2 -> 3 CO2 + 4 H2O", how="Balance carbon with 3 CO2, hydrogen with 4 H2O, then count oxygens on the right, 6 + 4 = 10, which needs 5 O2.",
         ratio="Each propane molecule needs five oxygen molecules, so a gas barbecue needs plenty of air to burn cleanly.",
         check="What would happen to the products if there were not enough oxygen?"),
    dict(u="NaHCO3 + HCl -> NaCl + H2O + CO2", b="NaHCO3 + HCl -> NaCl + H2O + CO2", how="Count each element: one sodium, one carbon, one chlorine, two hydrogens and three oxygens on each side, so it is already balanced.",
         ratio="Baking soda and hydrochloric acid react one-to-one, so 84 g of baking soda neutralises 36.5 g of HCl.",
         check="Why is it still worth counting atoms even when the equation looks balanced?"),
    dict(u="Al + HCl -> AlCl3 + H2", b="2 Al + 6 HCl -> 2 AlCl3 + 3 H2", how="Chlorine needs a multiple of 3 on the left, so 6 HCl gives 2 AlCl3 and 3 H2, and then 2 aluminium atoms balance the metal.",
         ratio="For every 2 aluminium atoms, 3 hydrogen molecules are released.",
         check="Count the hydrogen atoms on both sides: do you get 6 each time?"),
]


@archetype("science", 1.2)
def a_chem(g: Gen, k: int, force=None):
    r = g.pick(REACTIONS)
    q = g.pick(["Balance this equation: {u}", "How do I balance {u}?", "Is {u} balanced? If not, fix it."]).format(u=r["u"])
    a = f"Balanced: {r['b']}. " + g.pick(["Only the coefficients in front of each formula change; the formulas themselves stay as they are.",
                                          "Each element now has the same number of atoms on both sides.",
                                          "Never change the small subscripts to balance; adjust the numbers in front."])
    extras = {"worked example": ("show how you got there", r["how"]),
              "ratios and proportions": ("tell me what the ratios mean", r["ratio"]),
              "check for understanding": ("give me a question to check I understood", r["check"])}
    skills, tq, ta = finish(g, ["balancing chemical equations"], extras, k, force,
                            {"worked example": 3, "ratios and proportions": 1, "check for understanding": 1.2})
    return glue(q, tq), glue(a, ta), skills


def sci(x: float, nd: int = 2) -> str:
    e = int(math.floor(math.log10(abs(x))))
    m = x / 10 ** e
    return f"{m:.{nd}g} × 10^{e}"


@archetype("science", 1.2)
def a_scinot(g: Gen, k: int, force=None):
    kind = g.pick(["light", "cells", "bacteria", "sand", "drops"])
    if kind == "light":
        mins = g.pick([8.3, 4.3 * 365 * 24 * 60, 1.3 / 60])
        km = 3e5 * mins * 60
        label = {8.3: "8.3 minutes (from the Sun)", 1.3 / 60: "1.3 seconds (from the Moon)"}.get(mins, "4.3 years (from the nearest star)")
        q = f"Light travels about 300,000 km per second. How far does it go in {label}?"
        a = f"Multiply speed by time: 3 × 10^5 km/s × {sci(mins * 60, 3)} s ≈ {sci(km, 3)} km."
        conv = f"That is {sci(km * 1000, 3)} metres, or about {km / 1.609:,.3g} miles."
        calc = f"On a calculator use the EXP key: 3 EXP 5 × {mins * 60:.4g} gives {km:.4g}."
        fermi = "A quick sense check: the Earth is 4 × 10^4 km around, so even the smallest of these distances is many trips around the planet."
        ment = f"3 × {mins * 60:.3g} ≈ {3 * mins * 60:.3g}, then add the powers of ten."
    elif kind == "cells":
        kg = g.randint(50, 95)
        cells = kg / 70 * 3.7e13
        q = f"If a 70 kg adult has about 37 trillion cells, roughly how many cells does a {kg} kg adult have?"
        a = f"Scaling by mass: 3.7 × 10^13 × {kg}/70 ≈ {sci(cells, 2)} cells."
        conv = f"In grams that is {kg * 1000:,} g, so about {cells / (kg * 1000):.2g} cells per gram of body."
        calc = f"Type 3.7 EXP 13 × {kg} ÷ 70 to get {cells:.3g}."
        fermi = "Body cell counts scale roughly with mass, though fat and muscle cells differ a lot in size, so treat this as an order-of-magnitude answer."
        ment = f"{kg}/70 is about {kg / 70:.2f}, and 3.7 × {kg / 70:.2f} ≈ {3.7 * kg / 70:.2f}."
    elif kind == "bacteria":
        h = g.randint(4, 12)
        start = g.pick([1, 10, 100])
        n = start * 2 ** (h * 3)
        q = f"A bacterium divides every 20 minutes. Starting from {start}, how many are there after {h} hours if nothing stops them?"
        a = f"{h} hours is {h * 3} doublings, so {start} × 2^{h * 3} ≈ {sci(n, 3)} bacteria."
        conv = f"{h} hours is {h * 60} minutes, and {h * 60} ÷ 20 = {h * 3} doublings."
        calc = f"Type {start} × 2 ^ {h * 3} (or {start} * 2**{h * 3} in Python)."
        fermi = "In reality food and space run out long before numbers like these, which is why growth curves level off."
        ment = f"2^10 ≈ 10^3, so 2^{h * 3} ≈ 10^{h * 3 * 0.301:.1f}."
    elif kind == "sand":
        m3 = g.randint(1, 50)
        grains = m3 * 1e9 * 0.6 / (math.pi / 6 * 0.5 ** 3)
        q = f"Roughly how many grains of sand are in {m3} cubic metre{'s' if m3 > 1 else ''} of sand, if a grain is about 0.5 mm across?"
        a = f"A grain is about 6.5 × 10^-2 mm³ and grains fill about 60% of the space, so {m3} m³ (= {sci(m3 * 1e9, 2)} mm³) holds about {sci(grains, 2)} grains."
        conv = f"{m3} m³ is {m3 * 1000:,} litres, or {sci(m3 * 1e9, 2)} mm³."
        calc = f"Compute {m3}e9 * 0.6 / (3.1416/6 * 0.5**3) to get {grains:.3g}."
        fermi = "This is an order-of-magnitude estimate: grain size varies by a factor of two either way, which changes the count by about eight."
        ment = "0.5³ = 0.125, times π/6 ≈ 0.52 gives about 0.065 mm³ per grain."
    else:
        litres = g.randint(1, 20)
        drops = litres * 20000
        q = f"If a drop of water is about 0.05 ml, how many drops are in {litres} litre{'s' if litres > 1 else ''}?"
        a = f"{litres} L is {litres * 1000:,} ml, and {litres * 1000:,} ÷ 0.05 = {sci(drops, 2)} drops."
        conv = f"0.05 ml is 5 × 10^-5 litres, so the calculation is {litres} ÷ (5 × 10^-5)."
        calc = f"On a calculator: {litres * 1000} ÷ 0.05 = {drops:,}."
        fermi = "Drop size depends on the dropper, from about 0.03 to 0.07 ml, so the answer could be half or nearly double this."
        ment = f"Dividing by 0.05 is the same as multiplying by 20: {litres * 1000:,} × 20 = {drops:,}."
    extras = {"unit conversion": ("help me with the units", conv),
              "calculator use": ("tell me how to enter it on a calculator", calc),
              "fermi estimation": ("tell me how rough this is", fermi),
              "mental arithmetic": ("show a quick mental shortcut", ment)}
    skills, tq, ta = finish(g, ["scientific notation"], extras, k, force,
                            {"unit conversion": 1.8, "calculator use": 1.5, "fermi estimation": 1.2, "mental arithmetic": 1})
    return glue(q, tq), glue(a, ta), skills


CLAIMS_SCI = [
    dict(c="eating carrots gives you night vision",
         test="A fair test would give one group extra carrots and another a placebo snack, then measure how quickly each adapts to the dark, without either group knowing which it got.",
         ev="Carrots contain vitamin A, and a real deficiency impairs vision in dim light, but in people who already get enough, extra carrots do not improve night vision; there is no good trial evidence that they do.",
         corr="People who eat lots of vegetables may also be healthier in other ways, so any link with eyesight could reflect overall diet.",
         bias="Claims based on pilots or celebrities who eat carrots are anecdotes, not representative samples.",
         search="Search 'vitamin A night vision deficiency review' and prefer sources from health services or eye-care bodies.",
         mis="The idea spread partly through wartime stories, which is a reminder that a popular story is not evidence."),
    dict(c="we only use 10% of our brains",
         test="You could test the claim by scanning people over a whole day of varied tasks and checking whether any large region stays silent throughout.",
         ev="Brain scans show activity across virtually all regions over a day, and damage to almost any area causes some loss of function, so the claim is not supported.",
         corr="A region that is quiet during one task may be busy in another, so a single scan can be misleading.",
         bias="Pop articles often cite a single, unnamed 'study' that cannot be traced.",
         search="Search 'ten percent brain myth neuroscience' and look for university or neuroscience society pages.",
         mis="The brain is expensive to run, about a fifth of the body's energy, which would make little sense if most of it were idle."),
    dict(c="cold weather gives you a cold",
         test="A controlled study would expose volunteers to the same cold virus at different temperatures and compare how many fall ill.",
         ev="Colds are caused by viruses; cold weather does not create them, although people crowd indoors in winter and some evidence suggests cold air can make the nose's defences a little weaker.",
         corr="Colds are more common in winter, but winter also brings school terms, indoor crowding and less ventilation, so temperature is only one candidate.",
         bias="People remember the time they got cold and then ill, and forget the many times nothing happened.",
         search="Search 'common cold causes cold weather evidence' and check health-service pages.",
         mis="Going out with wet hair will not give you a cold unless a virus is involved."),
    dict(c="sugar makes children hyperactive",
         test="The right design is double-blind: children get a sugary or sugar-free drink, and neither they nor the observers know which.",
         ev="Several controlled trials, where neither parents nor children knew who had sugar, found no difference in behaviour, so the evidence does not support the claim.",
         corr="Children often have sugar at parties, which are exciting anyway, so excitement and sugar show up together.",
         bias="In one study, parents told their child had sugar rated them as more hyperactive even when they had not had any, so parents' reports are biased.",
         search="Search 'sugar hyperactivity double-blind trials meta-analysis'.",
         mis="The belief persists because the parties, not the sugar, are what children remember and parents observe."),
    dict(c="lightning never strikes the same place twice",
         test="Put strike counters on several tall towers and count over a season; repeated strikes on the same tower refute the saying.",
         ev="Lightning frequently strikes the same tall structures; measurements on tall towers record many strikes a year.",
         corr="Tall, pointed, isolated objects are struck often because of their height, not because of luck.",
         bias="People notice strikes on houses, which are rare, and not the routine strikes on towers and masts.",
         search="Search 'lightning strikes tall buildings per year measurements'.",
         mis="The saying is a figure of speech about bad luck, not physics."),
]


@archetype("science", 1.4)
def a_claim(g: Gen, k: int, force=None):
    c = g.pick(CLAIMS_SCI)
    q = g.pick(["Is it true that {c}?", "My friend insists {c}. What does the evidence say?", "Fact check: {c}."]).format(c=c["c"])
    a = c["ev"]
    extras = {"correlation vs causation": ("tell me if it's a correlation mistake", c["corr"]),
              "sampling bias": ("say whether the evidence people cite is biased", c["bias"]),
              "search query formulation": ("tell me how to look it up myself", c["search"]),
              "misconception correction": ("explain why people believe it", c["mis"]),
              "experimental design": ("tell me how it could be tested properly", c["test"])}
    skills, tq, ta = finish(g, ["citing evidence"], extras, k, force,
                            {"correlation vs causation": 1.5, "sampling bias": 1.2, "search query formulation": 1.2,
                             "misconception correction": 2, "experimental design": 1.5})
    return glue(q, tq), glue(a, ta), skills


SYSTEMS = [
    dict(c="wolves were removed from a large national park",
         chain="Without wolves, deer and elk numbers grow and they graze riverbanks heavily; willows and young trees disappear, banks erode, and birds and beavers that depended on them decline.",
         cause="Each step is a cause and effect link: fewer predators, more grazers, fewer young trees, less shade and root cover, more erosion.",
         evo="Over many generations, prey without predators may also lose some wariness, since cautious behaviour no longer pays off.",
         energy="Energy that wolves would have taken out of the food web stays in the grazers, and more of the plants' captured energy is eaten before it can build woody growth."),
    dict(c="a town replaced half its parking spaces with bike lanes",
         chain="Driving into the centre becomes slower, so some trips shift to bikes and buses; shops see different customers, air and noise improve, and drivers may use other routes, adding traffic elsewhere.",
         cause="The direct effect is fewer parking places; the knock-on effects come from people changing how they travel.",
         evo=None,
         energy="Trips that switch from car to bike replace fuel energy with a person's own food energy, which is far less per kilometre."),
    dict(c="bees declined sharply in a farming region",
         chain="Fewer bees means fewer flowers pollinated, so some crops and wild plants set less seed; animals that eat those seeds and fruits decline, and farmers may pay for hired hives.",
         cause="Pesticides, fewer wildflowers and disease each reduce bee numbers, and they interact: weaker colonies suffer more from disease.",
         evo="Plants that rely on a single pollinator are most at risk, while those that can self-pollinate or use wind have an advantage.",
         energy="Bees turn nectar, the plant's energy reward, into the work of moving pollen; without them, that energy exchange stops."),
    dict(c="a lake got a lot of fertiliser run-off from nearby fields",
         chain="Extra nutrients feed a bloom of algae; when the algae die, bacteria decomposing them use up the oxygen, fish suffocate, and the water turns murky and smelly.",
         cause="Fertiliser causes algal growth, which causes oxygen depletion, which causes fish deaths: a chain where each step sets up the next.",
         evo=None,
         energy="Sunlight captured by the algae ends up fuelling bacteria rather than the usual food chain up to fish."),
]


@archetype("science", 1.1)
def a_systems(g: Gen, k: int, force=None):
    x = g.pick(SYSTEMS)
    q = g.pick(["What happens when {c}?", "Walk me through the knock-on effects if {c}.", "Suppose {c}. What changes?"]).format(c=x["c"])
    a = x["chain"]
    extras = {"cause and effect": ("spell out the cause-and-effect chain", x["cause"]),
              "energy reasoning": ("follow the energy", x["energy"])}
    w = {"cause and effect": 2.5, "energy reasoning": 1.2}
    if x["evo"]:
        extras["evolutionary reasoning"] = ("say whether evolution plays a part", x["evo"])
        w["evolutionary reasoning"] = 1.2
    skills, tq, ta = finish(g, ["systems thinking"], extras, k, force, w)
    return glue(q, tq), glue(a, ta), skills


@archetype("science", 1.0)
def a_measure(g: Gen, k: int, force=None):
    kind = g.pick(["pendulum", "boil", "ruler"])
    options = {"descriptive statistics": 3, "experimental design": 1.2, "scientific notation": 0.6}
    extras = g.choose(["measurement uncertainty"], options, k, force)
    if kind == "pendulum":
        true = g.randint(120, 200) / 100
        vals = [round(true + g.rng.gauss(0, 0.06), 2) for _ in range(g.randint(5, 7))]
        what, unit = "timed one swing of a pendulum", "s"
        tip = "Time 10 swings at once and divide by 10: the reaction-time error is then spread over ten periods."
    elif kind == "boil":
        true = g.randint(150, 300)
        vals = [round(true + g.rng.gauss(0, 8)) for _ in range(g.randint(5, 7))]
        what, unit = "timed how long the kettle takes to boil a litre of water", "s"
        tip = "Start every run with water at the same temperature and the same volume, measured with a jug rather than by eye."
    else:
        true = g.randint(12, 22)
        vals = [round(true + g.rng.gauss(0, 1.5), 1) for _ in range(g.randint(5, 7))]
        what, unit = "measured my catch distance in the ruler-drop test", "cm"
        tip = "Have the same person drop the ruler each time, without warning, and discard the first two practice goes."
    m = mean(vals)
    sd = stdev(vals)
    se = sd / math.sqrt(len(vals))
    q = f"I {what} {len(vals)} times: " + ", ".join(f"{v:g}" for v in vals) + f" {unit}. What's my result, and how precise is it?"
    a = (f"Report the mean, {m:.2f} {unit}, with an uncertainty of about ±{se:.2f} {unit} (the standard deviation divided by "
         f"the square root of the number of trials), since the spread comes from reaction time and reading errors.")
    parts, asks = [], []
    for e in extras:
        if e == "descriptive statistics":
            asks.append("give me the basic statistics")
            parts.append(f"The readings range from {min(vals):g} to {max(vals):g} {unit}, with a standard deviation of {sd:.2f} {unit} and a median of {median(vals):g}.")
        elif e == "experimental design":
            asks.append("tell me how to improve the method")
            parts.append(tip)
        elif e == "scientific notation":
            asks.append("write the result in scientific notation")
            parts.append(f"In scientific notation: ({m:.3g} ± {se:.1g}) {unit}, or {sci(m, 3)} {unit}.")
    return glue(q, ask_more(g, asks)), glue(a, *parts), ["measurement uncertainty"] + extras


# =========================================================================================================
# Area: teaching
# =========================================================================================================

LESSONS = [
    dict(sub="adding fractions with different denominators", lvl="Year 5", dom="mental arithmetic",
         obj="By the end, pupils can add two fractions with different denominators by finding a common denominator.",
         seq="Start with a 5-minute warm-up on equivalent fractions, model one example with fraction strips, let pairs solve four problems with strips, then four without, and finish with a whole-class discussion of mistakes.",
         quiz="Quiz: 1/3 + 1/4 = ? (a) 2/7 (b) 7/12 (c) 1/12 (d) 2/12; answer (b).",
         scaf="Give strugglers fraction strips and a partly completed first step ('1/3 = ?/12'), then remove the strips for the last two problems.",
         chk="Exit question: explain in one sentence why 1/2 + 1/3 is not 2/5.",
         work="Worked example: 1/2 + 1/3 becomes 3/6 + 2/6 = 5/6, because 6 is the smallest number both 2 and 3 divide into.",
         mis="The common misconception is adding tops and bottoms (1/2 + 1/3 = 2/5); strips show at once that 2/5 is smaller than 1/2, so it cannot be right."),
    dict(sub="photosynthesis", lvl="Year 8", dom="mechanism explanation",
         obj="By the end, students can state the inputs and outputs of photosynthesis and explain where a plant's mass comes from.",
         seq="Open with the question 'where does a tree's wood come from?', run a short demo with pondweed bubbling under a lamp, then have groups build the word equation with cards, and close with a class discussion.",
         quiz="Quiz: most of a tree's mass comes from (a) the soil (b) water (c) carbon dioxide from the air (d) sunlight; answer (c).",
         scaf="Provide a diagram with arrows to label first, then ask students to write the equation without it.",
         chk="Check: ask each student to write on a sticky note what the plant takes in and what it gives out.",
         work="Worked example: carbon dioxide + water, with light energy, gives glucose + oxygen; trace one carbon atom from the air into a sugar molecule.",
         mis="Many students think plants get their food from the soil; the pondweed demo and the tree-mass question address that directly."),
    dict(sub="for loops in Python", lvl="beginner adults", dom="python programming",
         obj="By the end, learners can write a for loop that processes every item in a list and explain what the loop variable holds.",
         seq="Begin with a 'human loop' where learners each say a name from a list, show the same thing in code, let them modify three small loops, and end with a mini-challenge to total a shopping list.",
         quiz="Quiz: how many times does `for x in [3, 5, 7]: print(x)` print? (a) 1 (b) 3 (c) 7 (d) 15; answer (b).",
         scaf="Give a loop with blanks to fill in first, then a loop to fix, and only then a blank editor.",
         chk="Ask learners to predict the output of a loop before running it, and compare.",
         work="Worked example: `total = 0`, then `for price in [2, 3, 5]: total += price` gives 2, then 5, then 10.",
         mis="A frequent misconception is that the loop variable keeps the first value; printing it inside the loop shows it changes each time."),
    dict(sub="writing a persuasive paragraph", lvl="Year 9", dom="persuasion",
         obj="By the end, students can write a paragraph that states a claim, supports it with a reason and evidence, and answers one objection.",
         seq="Read two short model paragraphs and rank them, identify the claim, reason and evidence with highlighters, co-write one paragraph as a class, then write their own on a topic of their choice.",
         quiz="Quiz: which sentence is evidence? (a) 'Uniforms are good.' (b) 'In our survey, 62% of pupils said uniforms save time in the morning.' (c) 'Everyone agrees.' (d) 'Think about it.'; answer (b).",
         scaf="Provide sentence starters such as 'One reason is...' and 'Some people argue..., however...', and fade them out for the final draft.",
         chk="Ask students to underline their claim in one colour and their evidence in another; missing colours show gaps.",
         work="Worked example: 'Our school should have a longer lunch break. Pupils who eat slowly often have no time to play, and the school nurse reports more afternoon headaches. Some say lessons would end later, but ten minutes is a small price for healthier pupils.'",
         mis="Students often think strong opinions are persuasive by themselves; the ranking task shows that evidence is what convinces."),
    dict(sub="the water cycle", lvl="Year 4", dom="mechanism explanation",
         obj="By the end, pupils can describe evaporation, condensation and precipitation and put them in order in a cycle.",
         seq="Start with a puddle photo ('where did it go?'), show a warm bowl of water covered in cling film with ice on top, then have pupils draw and label the cycle, and end by acting out the stages.",
         quiz="Quiz: what happens when water vapour cools in the sky? (a) evaporation (b) condensation (c) melting (d) freezing; answer (b).",
         scaf="Give a cycle diagram with word boxes for the first drawing, then ask for a version from memory.",
         chk="Ask pupils to explain to a partner why the cling film gets drops on the inside.",
         work="Worked example: the Sun warms the sea, water evaporates, the vapour rises and cools into cloud droplets, and they fall as rain that runs back into rivers.",
         mis="Some pupils think clouds are made of smoke or steam from kettles; the bowl demo shows that clouds are tiny water droplets."),
    dict(sub="calculating percentages", lvl="Year 7", dom="percentages",
         obj="By the end, pupils can find a percentage of an amount and a percentage change, with and without a calculator.",
         seq="Warm up with 10% and 50% of easy numbers, show the 'find 1%' method, practise with shop discounts in pairs, and finish with a short percentage-change challenge.",
         quiz="Quiz: a €40 game is 25% off. The price is (a) €15 (b) €30 (c) €35 (d) €10; answer (b).",
         scaf="Start with 10% of multiples of 10, then 5% as half of 10%, before moving to any percentage.",
         chk="Ask each pupil to explain how they would find 15% of €60 without a calculator.",
         work="Worked example: 15% of 80 is 10% (8) plus 5% (4), which is 12.",
         mis="A common error is thinking a 50% rise followed by a 50% fall gets you back to the start; try it with €100 to see it does not."),
]


@archetype("teach", 2.0)
def a_lesson(g: Gen, k: int, force=None):
    l = g.pick(LESSONS)
    mins = g.pick([40, 45, 50, 60])
    q = g.pick(["Plan a {m}-minute lesson on {s} for {lvl}.", "I'm teaching {s} to {lvl} tomorrow. Can you outline a {m}-minute lesson?",
                "Help me plan a lesson on {s} ({lvl}, {m} minutes)."]).format(m=mins, s=l["sub"], lvl=l["lvl"])
    a = l["seq"]
    extras = {"learning objectives": ("start with a learning objective", l["obj"]),
              "quiz writing": ("include a quiz question", l["quiz"]),
              "scaffolding": ("say how to support weaker learners", l["scaf"]),
              "check for understanding": ("add a quick check at the end", l["chk"]),
              "worked example": ("include a worked example", l["work"]),
              "misconception correction": ("address the common misconception", l["mis"])}
    skills, tq, ta = finish(g, ["lesson planning"], extras, k, force,
                            {"learning objectives": 3, "quiz writing": 1.5, "scaffolding": 1.5, "check for understanding": 1.5,
                             "worked example": 1.2, "misconception correction": 1.2})
    return glue(q, tq), glue(a, ta), skills


@archetype("teach", 1.4)
def a_quiz(g: Gen, k: int, force=None):
    l = g.pick(LESSONS)
    q = g.pick(["Write a multiple-choice question on {s} for {lvl}.", "I need a quiz question about {s} for {lvl}.",
                "Give me a good test question on {s}."]).format(s=l["sub"], lvl=l["lvl"])
    a = l["quiz"]
    extras = {"misconception correction": ("aim one wrong option at the usual misconception and explain it", l["mis"]),
              "learning objectives": ("tell me which objective it checks", "It checks this objective: " + l["obj"][0].lower() + l["obj"][1:]),
              "feedback on student work": ("suggest feedback for a pupil who picks a wrong answer",
                                           "Feedback for a wrong answer: say what was right in their thinking, point to the step that went wrong, and ask them to try a similar question straight away.")}
    skills, tq, ta = finish(g, ["quiz writing"], extras, k, force,
                            {"misconception correction": 2.5, "learning objectives": 1.5, "feedback on student work": 1})
    return glue(q, tq), glue(a, ta), skills


STUDENT_WORK = [
    dict(work="1/2 + 1/4 = 2/6", subj="maths homework", dom="mental arithmetic",
         fb="Good that you noticed both are fractions of the same whole, but you added tops and bottoms; the right answer is 1/2 + 1/4 = 2/4 + 1/4 = 3/4.",
         mis="The misconception is treating the top and bottom as separate numbers to add; the bottom number names the size of the pieces, so pieces must be the same size before you add them.",
         soc="Is 2/6 bigger or smaller than 1/2 on its own? Can adding something make it smaller?",
         scaf="Next time, draw both fractions as parts of the same bar before adding.",
         tone="Lovely clear working! One step to look at again: can you make the pieces the same size first?"),
    dict(work="Heavy objects fall faster than light ones, which is why a hammer hits the ground before a feather.", subj="science answer", dom="physical reasoning",
         fb="You described what you would see on Earth correctly, but the reason is air resistance, not weight: in a vacuum the hammer and feather land together.",
         mis="The misconception is that gravity pulls heavier things to fall faster; heavier objects are pulled harder but also need more force to speed up, so the effects cancel.",
         soc="What would happen if you dropped two identical balls, one filled with sand and one with water, where air resistance is the same?",
         scaf="Try the experiment with a sheet of paper flat and then crumpled into a ball: same weight, different result.",
         tone="A really sensible observation! Let's look at what else is different about a feather besides its weight."),
    dict(work="for i in range(1, 10): print(i)  # prints 1 to 10", subj="coding exercise", dom="python programming",
         fb="The loop is written correctly, but range(1, 10) stops before 10, so it prints 1 to 9; use range(1, 11) to include 10.",
         mis="The misconception is that range includes its end; in Python the end value is always excluded.",
         soc="What does range(3) give you? How many numbers is that, and which is the last?",
         scaf="Print list(range(1, 10)) first to see exactly which numbers the loop will visit.",
         tone="Nice tidy loop and a helpful comment! Just check the comment against what actually prints."),
    dict(work="The story was good. It had a good ending and the characters were good.", subj="book review", dom="show don't tell",
         fb="You clearly enjoyed the book, which comes through; to make the review useful, say what made the ending satisfying and give one example of a character you liked.",
         mis="A common belief is that saying 'good' is enough; readers need reasons and examples to trust a review.",
         soc="If a friend asked what exactly was good about the ending, what would you tell them?",
         scaf="Use the frame 'I liked... because... for example...' for each point, then try writing one point without it.",
         tone="I can tell you really liked this book! Now let's help your reader feel that too."),
    dict(work="Photosynthesis is when plants breathe in oxygen and breathe out carbon dioxide.", subj="biology answer", dom="mechanism explanation",
         fb="You remembered that gases are exchanged, but photosynthesis is the other way round: plants take in carbon dioxide and water and give out oxygen and sugar.",
         mis="The confusion is with respiration, which plants also do all the time; photosynthesis only happens in light and builds sugar.",
         soc="Where does the oxygen we breathe ultimately come from?",
         scaf="Write the two processes side by side in a table, inputs and outputs, and compare them.",
         tone="Good that you linked photosynthesis to gases! Let's just check which way round they go."),
]


@archetype("teach", 1.5)
def a_feedback(g: Gen, k: int, force=None):
    w = g.pick(STUDENT_WORK)
    q = g.pick(["A student wrote this in their {s}: \"{w}\" How should I give feedback?", "How would you comment on this {s}? \"{w}\"",
                "Help me respond to this {s} from a pupil: \"{w}\""]).format(s=w["subj"], w=w["work"])
    a = w["fb"]
    extras = {"misconception correction": ("name the misconception behind it", w["mis"]),
              "socratic questioning": ("give me a question that leads them to see it themselves", w["soc"]),
              "scaffolding": ("suggest a support for next time", w["scaf"]),
              "tone adjustment": ("make the opening encouraging", "An encouraging opening: \"" + w["tone"] + "\"")}
    skills, tq, ta = finish(g, ["feedback on student work", w["dom"]], extras, k, force,
                            {"misconception correction": 2.5, "socratic questioning": 1.5, "scaffolding": 1.2, "tone adjustment": 1.2})
    return glue(q, tq), glue(a, ta), skills


SOCRATIC = [
    dict(c="why the Moon has phases", qs="Start with: 'Which half of the Moon does the Sun always light?' then 'From Earth, do we always see that half face-on?' and finally 'What would we see when the lit half faces mostly away from us?'",
         mis="Many learners think Earth's shadow causes the phases; the questions lead them to see it is our viewing angle on the lit half.",
         chk="Check: ask them to explain a half moon using a ball and a lamp.",
         scaf="If they are stuck, hand them a ball and lamp and let them walk around it before asking again."),
    dict(c="why 0.999... equals 1", qs="Ask: 'What is 1/3 as a decimal?', then 'What is 3 × 1/3?', and then 'What is 3 × 0.333...?'",
         mis="The common belief is that 0.999... is 'just below' 1; the questions show there is no number between them.",
         chk="Check: ask them to name a number between 0.999... and 1, and discuss why they cannot.",
         scaf="If the fraction route is too abstract, start with 1/9 = 0.111... and work up to 9/9."),
    dict(c="why we need a control group in an experiment", qs="Ask: 'If everyone who took the new vitamin felt better, could they have felt better anyway?', then 'How could we find out?'",
         mis="Learners often believe that improvement after a treatment proves it works; the questions surface the need for comparison.",
         chk="Check: give a new example and ask them to design the comparison group.",
         scaf="Offer a partly filled table with 'got vitamin / did not' columns for them to complete."),
    dict(c="why multiplying two negative numbers gives a positive", qs="Ask: 'What is 3 × −2? And 2 × −2? 1 × −2? 0 × −2?', then 'What pattern do you see, and what comes next for −1 × −2?'",
         mis="Students often think 'two negatives make a bigger negative'; the pattern shows each step adds 2.",
         chk="Check: ask them to predict −3 × −4 and explain using the pattern.",
         scaf="Write the pattern vertically so they can see the answers going up by 2 each line."),
    dict(c="why heavier boats don't sink", qs="Ask: 'What happens to the water level when you get into a bath?', then 'How much water does a floating boat push aside?' and 'What if the boat could not push aside enough?'",
         mis="Many think heavy things always sink; the questions lead to the idea that what matters is the water pushed aside compared with the boat's weight.",
         chk="Check: ask them why a lump of clay sinks but the same clay shaped into a bowl floats.",
         scaf="Let them try the clay lump and clay bowl in a tub of water before discussing."),
]


@archetype("teach", 1.1)
def a_socratic(g: Gen, k: int, force=None):
    s = g.pick(SOCRATIC)
    q = g.pick(["How can I help a student discover {c} without just telling them?", "Give me a sequence of questions to lead a learner to understand {c}.",
                "I want to teach {c} through questioning. What should I ask?"]).format(c=s["c"])
    a = s["qs"]
    extras = {"misconception correction": ("say which misconception it tackles", s["mis"]),
              "check for understanding": ("add a check at the end", s["chk"]),
              "scaffolding": ("tell me what to do if they get stuck", s["scaf"])}
    skills, tq, ta = finish(g, ["socratic questioning"], extras, k, force,
                            {"misconception correction": 2, "check for understanding": 1.5, "scaffolding": 1.5})
    return glue(q, tq), glue(a, ta), skills


MNEMONICS = [
    dict(t="the order of the planets from the Sun", m="'My Very Easy Method Just Speeds Up Naming' gives Mercury, Venus, Earth, Mars, Jupiter, Saturn, Uranus, Neptune.",
         allit=None, rhyme="A rhyme version: 'Mercury's hot and Venus is bright, Earth's our home and Mars is red at night.'",
         quiz="Check yourself: which planet comes between Saturn and Neptune?"),
    dict(t="the colours of the rainbow", m="'Richard Of York Gave Battle In Vain' gives red, orange, yellow, green, blue, indigo, violet.",
         allit=None, rhyme="As a rhyme: 'Red and orange, yellow, green; blue and indigo between; violet last, the edge of light, that's the rainbow, left to right.'",
         quiz="Check yourself: which colour comes right after green?"),
    dict(t="the difference between stalactites and stalagmites", m="Stalactites hold on 'tight' to the ceiling; stalagmites 'might' reach the ceiling one day.",
         allit=None, rhyme="A rhyme: 'Tites come down from the top, mites grow up from the ground and never stop.'",
         quiz="Check yourself: which one would you trip over?"),
    dict(t="the number of days in each month", m="Count on your knuckles: knuckles are 31-day months and the dips between them are the shorter ones, starting with January on the first knuckle.",
         allit=None, rhyme="'Thirty days has September, April, June and November; all the rest have thirty-one, except February alone.'",
         quiz="Check yourself: how many days does October have?"),
    dict(t="the order of operations in arithmetic", m="BIDMAS: Brackets, Indices, Division and Multiplication (left to right), Addition and Subtraction (left to right).",
         allit="'Big Ideas Deserve Many Attentive Students' makes the letters easier to recall with a memorable sentence.",
         rhyme=None, quiz="Check yourself: what is 2 + 3 × 4?"),
    dict(t="the first ten elements of the periodic table", m="'Happy Henry Likes Beer But Could Not Obtain Four Nuts' gives H, He, Li, Be, B, C, N, O, F, Ne.",
         allit="For the first four, try 'Harry's Hungry Little Bear', which keeps the H-H-L-B sounds together.",
         rhyme=None, quiz="Check yourself: which element is number 6?"),
    dict(t="how to tell a dromedary from a Bactrian camel", m="Turn the first letter on its side: D has one hump, B has two.",
         allit=None, rhyme=None, quiz="Check yourself: a camel with two humps is which kind?"),
]


@archetype("teach", 1.1)
def a_mnemonic(g: Gen, k: int, force=None):
    m = g.pick(MNEMONICS)
    q = g.pick(["Give me a way to remember {t}.", "What's a good mnemonic for {t}?", "My son keeps forgetting {t}. Any memory trick?"]).format(t=m["t"])
    a = m["m"]
    extras = {"check for understanding": ("end with a question to test it", m["quiz"])}
    w = {"check for understanding": 1.5}
    if m["allit"]:
        extras["alliteration"] = ("make it catchier with alliteration", m["allit"])
        w["alliteration"] = 2
    if m["rhyme"]:
        extras["rhyme and meter"] = ("give me a rhyming version", m["rhyme"])
        w["rhyme and meter"] = 2
    skills, tq, ta = finish(g, ["mnemonic devices"], extras, k, force, w)
    return glue(q, tq), glue(a, ta), skills


# =========================================================================================================
# Area: writing craft
# =========================================================================================================

NOTES = [
    dict(group="residents' association", topic="the broken lift in Block C",
         body=["{a} opened the meeting and reported that the lift in Block C has now been out of service for three weeks.",
               "Several residents described carrying shopping and prams up eight floors, and one resident who uses a wheelchair has been unable to leave her flat.",
               "{b} said the housing company had promised a repair by the end of the month but had not confirmed a date in writing.",
               "After discussion it was agreed that {b} will write formally to the housing company asking for a confirmed repair date and interim help for residents with limited mobility.",
               "The next meeting will be on {d}."],
         summ="The Block C lift has been broken for three weeks, and {b} will write to the housing company for a firm repair date and help for residents who cannot use the stairs.",
         head="Block C lift: residents demand a repair date", aud="residents with limited mobility",
         aud_s="For residents who cannot use the stairs: {b} is asking the housing company for help now, and you can contact {b} directly to be included."),
    dict(group="school parents' council", topic="the new school start time",
         body=["{a} explained that the school plans to move the start of the day from 8:30 to 8:50 from September.",
               "The reason given is that the local bus company is changing its timetable and pupils arriving by bus would otherwise be late.",
               "Some parents worried about fitting drop-off with their own working hours, and {b} suggested a breakfast club from 8:00.",
               "The council agreed to survey all families about the breakfast club before the end of term.",
               "{a} will report the results at the meeting on {d}."],
         summ="The school day will start at 8:50 from September because of bus changes, and families will be surveyed about an 8:00 breakfast club.",
         head="School day to start at 8:50 from September", aud="working parents",
         aud_s="For working parents: a breakfast club from 8:00 is being considered, and your survey answer decides whether it happens."),
    dict(group="allotment committee", topic="the water supply",
         body=["{a} reported that the water bill for the site has doubled this year because of a leak near plot 14.",
               "The leak was repaired last week, but the committee needs to recover the extra cost.",
               "{b} proposed a one-off charge of €8 per plot rather than raising the annual rent.",
               "The proposal was agreed, and plot-holders will be asked to install water butts to reduce future use.",
               "The charge will be collected with the subscriptions by {d}."],
         summ="A leak doubled the site's water bill; it is fixed, and each plot-holder will pay a one-off €8 and is asked to install a water butt.",
         head="Allotment leak fixed; €8 one-off charge agreed", aud="new plot-holders",
         aud_s="If you are new this year: the €8 is a one-off, not part of the rent, and water butts can be bought cheaply through the committee."),
    dict(group="office team", topic="the move to the new building",
         body=["{a} confirmed that the team will move to the second floor of the new building in the week of {d}.",
               "Desks will be shared, with four quiet rooms that can be booked for calls.",
               "{b} raised concerns about storage for equipment and was asked to list what needs a permanent place.",
               "Everyone must pack their desk into the labelled crates by the Thursday before the move.",
               "IT will set up screens and docking stations over the weekend."],
         summ="The team moves to shared desks on the new building's second floor in the week of {d}; pack your crates by the Thursday before.",
         head="Office move: pack by Thursday, shared desks from the week of {d}", aud="people who work mostly from home",
         aud_s="If you are mostly remote, you still need to empty your desk, but you will book a desk for the days you come in rather than keep one."),
    dict(group="library friends' group", topic="the summer reading challenge",
         body=["{a} reported that 240 children signed up for last year's reading challenge, up from 180 the year before.",
               "The library can print certificates and stickers but has no budget for prizes this year.",
               "{b} offered to ask local shops for small donations, such as book tokens and ice-cream vouchers.",
               "The group agreed to recruit six volunteers to help at the Saturday sessions.",
               "The challenge launches on {d}."],
         summ="The summer reading challenge launches on {d}; the group is asking shops for prize donations and needs six Saturday volunteers.",
         head="Summer reading challenge is back, and needs volunteers", aud="local shop owners",
         aud_s="For local shops: a small voucher donation will be thanked on the library's noticeboard and website."),
]


@archetype("writing", 2.0)
def a_summarise(g: Gen, k: int, force=None):
    n = g.pick(NOTES)
    a_, b_ = g.name(), None
    b_ = g.name(a_)
    d = g.pick(["12 March", "3 April", "the first Monday of May", "18 June", "9 September", "14 October"])
    body = " ".join(s.format(a=a_, b=b_, d=d) for s in n["body"])
    q = g.pick(["Summarise these minutes from our {grp} meeting in one or two sentences: \"{body}\"",
                "Can you give me the gist of this note about {topic}? \"{body}\"",
                "Here are the notes from the {grp} meeting. What's the short version? \"{body}\""]).format(grp=n["group"], topic=n["topic"], body=body)
    a = n["summ"].format(a=a_, b=b_, d=d)
    extras = {"headline writing": ("suggest a headline for the noticeboard", "Headline: \"" + n["head"].format(d=d) + "\"."),
              "audience awareness": (f"add a line aimed at {n['aud']}", n["aud_s"].format(a=a_, b=b_, d=d)),
              "concision": ("keep it under 30 words", "That version keeps only the decision and the action; the discussion details can go.")}
    skills, tq, ta = finish(g, ["summarisation"], extras, k, force,
                            {"headline writing": 2, "audience awareness": 1.5, "concision": 1.5})
    return glue(q, tq), glue(a, ta), skills


EMAILS = [
    dict(s="ask my manager for a two-day extension on the quarterly report because the sales data arrived late",
         e="Subject: Quarterly report: request to deliver on Friday. Hi Dana, the sales figures reached me on Tuesday instead of last Friday, so I'd like to deliver the report on Friday rather than Wednesday. Everything else is drafted, and I can send the summary section tomorrow if that helps. Would that work for you?",
         formal="More formal: 'I am writing to request a short extension to the deadline for the quarterly report, owing to the late arrival of the sales data.'",
         concise="Short version: 'Sales data came late. Could I deliver the report Friday instead of Wednesday? Summary can come tomorrow.'",
         polite="Offering the summary early softens the request, because it shows you are solving part of the problem rather than only asking for time.",
         tone="Keep it factual rather than apologetic: one reason, one new date, one offer."),
    dict(s="chase a client who hasn't paid an invoice that's 30 days overdue",
         e="Subject: Invoice 2231, 30 days overdue. Dear Mr Berg, I hope all is well. Our invoice 2231 for €1,450, due on 2 May, is still open in our records. Could you let me know when we can expect payment, or whether anything is holding it up? I have attached a copy for convenience.",
         formal="More formal: 'We note that invoice 2231 remains outstanding and would be grateful for settlement at your earliest convenience.'",
         concise="Short version: 'Invoice 2231 (€1,450, due 2 May) is still unpaid. When can we expect payment? Copy attached.'",
         polite="Asking whether 'anything is holding it up' gives the client a face-saving way to explain a problem.",
         tone="Friendly but firm for a first reminder; a second reminder can mention late-payment terms."),
    dict(s="decline an invitation to speak at a conference because of a schedule clash",
         e="Subject: Speaking invitation, 14 June. Dear Ms Osei, thank you very much for inviting me to speak. Unfortunately I am already committed to another event that week and cannot take part this year. I would be glad to be considered for a future edition, and I can suggest a colleague if that would help.",
         formal="More formal: 'Regrettably, a prior commitment prevents me from accepting on this occasion.'",
         concise="Short version: 'Thank you for the invitation; I have a clash that week. Happy to help another year, or to suggest a colleague.'",
         polite="Thanking them first and offering an alternative speaker keeps the relationship warm while still saying no clearly.",
         tone="Warm and appreciative, with a clear no; avoid vague phrases like 'maybe' that leave them waiting."),
    dict(s="introduce myself to a new team I'll be working with",
         e="Subject: Hello from your new project coordinator. Hi all, I'm Sami and I'm joining as project coordinator from Monday. Over the first two weeks I'd love a 20-minute chat with each of you to hear what's working and what isn't. I'll send calendar invitations, but feel free to grab me in the kitchen too.",
         formal="More formal: 'I am pleased to introduce myself as the new project coordinator and look forward to meeting each of you.'",
         concise="Short version: 'Hi all, I'm Sami, your new project coordinator from Monday. I'll book a 20-minute chat with each of you.'",
         polite="Framing the chats as listening rather than reviewing puts people at ease.",
         tone="Friendly and specific, with one concrete next step."),
    dict(s="tell a supplier that their last delivery arrived damaged",
         e="Subject: Order 7720 delivered damaged. Dear Sir or Madam, our order 7720 arrived on Tuesday with four of the twelve boxes crushed and their contents broken; photos are attached. Could you arrange replacements for the damaged items by next Friday, or let me know the return process?",
         formal="It is already formal; 'Dear Sir or Madam' can become the contact's name if you have one.",
         concise="Short version: 'Order 7720: 4 of 12 boxes arrived crushed (photos attached). Please replace them by Friday or tell us how to return them.'",
         polite="Sticking to facts and asking for a specific fix avoids sounding accusatory while still being clear.",
         tone="Neutral and factual: the photos do the persuading."),
    dict(s="ask a colleague in another department for data I need for a report",
         e="Subject: Request: 2023 customer numbers by region. Hi Marco, for the annual report I need last year's customer numbers by region. Could you send them by Thursday, or point me to where they live? A simple spreadsheet is perfect. Thanks a lot!",
         formal="More formal: 'I would be grateful if you could share the 2023 customer figures by region by Thursday.'",
         concise="Short version: 'Could you send 2023 customer numbers by region by Thursday? A spreadsheet is fine.'",
         polite="Saying 'or point me to where they live' lowers the effort for your colleague, which makes yes more likely.",
         tone="Light and grateful, since they are doing you a favour."),
]


@archetype("writing", 2.0)
def a_email(g: Gen, k: int, force=None):
    e = g.pick(EMAILS)
    q = g.pick(["Write an email to {s}.", "Help me write an email to {s}.", "I need to {s}. Can you draft the email?"]).format(s=e["s"])
    a = e["e"]
    extras = {"formal register": ("make it more formal", e["formal"]),
              "concision": ("give me a shorter version", e["concise"]),
              "politeness strategies": ("explain how it stays polite", e["polite"]),
              "tone adjustment": ("tell me what tone to aim for", e["tone"])}
    skills, tq, ta = finish(g, ["professional email"], extras, k, force,
                            {"formal register": 1.5, "concision": 1.5, "politeness strategies": 2, "tone adjustment": 1.5})
    return glue(q, tq), glue(a, ta), skills


EDITS = [
    dict(t="Please find attatched the agenda for tommorow's meeting, let me know if their are any changes.", skills=["proofreading"],
         fix="Please find attached the agenda for tomorrow's meeting. Let me know if there are any changes.", why="'Attatched', 'tommorow' and 'their' are corrected, and the comma splice becomes two sentences."),
    dict(t="The cake was eaten by the children before the guests had arrived.", skills=["active voice"],
         fix="The children ate the cake before the guests arrived.", why="The children become the subject, which is shorter and more direct."),
    dict(t="A decision has been taken by the board to close the branch on Saturdays.", skills=["active voice"],
         fix="The board has decided to close the branch on Saturdays.", why="Naming the board as the actor makes clear who decided."),
    dict(t="The window was broken by someone during the night and it was reported to the police by the caretaker.", skills=["active voice", "concision"],
         fix="Someone broke the window overnight, and the caretaker reported it to the police.", why="Both clauses become active and 'during the night' shrinks to 'overnight'."),
    dict(t="It has been decided by the committee that, owing to the fact that the hall is being repainted, the quiz night will be postponed untill further notice.", skills=["active voice", "concision", "proofreading"],
         fix="Because the hall is being repainted, the committee has postponed the quiz night until further notice.", why="The committee becomes the actor, 'owing to the fact that' becomes 'because', and 'untill' is corrected."),
    dict(t="Hiya, the thing we talked about is gonna be late cos of the supplier, soz.", skills=["formal register", "proofreading", "concision"],
         fix="Unfortunately, the order will be late because of a supplier delay; I apologise.", why="Slang such as 'gonna', 'cos' and 'soz' is replaced, 'the thing' is named, and the apology is stated once, formally."),
    dict(t="Their going to announce the results tomorrow, its very exciting.", skills=["proofreading"],
         fix="They're going to announce the results tomorrow; it's very exciting.", why="'Their' should be 'they're' and 'its' should be 'it's', and the comma splice needs a semicolon or a full stop."),
    dict(t="The report was written by the committee and was approved by the board last week.", skills=["active voice"],
         fix="The committee wrote the report, and the board approved it last week.", why="Both passive clauses become active, so the reader sees who did what."),
    dict(t="At this point in time, we are not in a position to be able to offer a refund.", skills=["concision"],
         fix="We cannot offer a refund now.", why="'At this point in time' becomes 'now', and 'not in a position to be able to' becomes 'cannot'."),
    dict(t="Remittance shall be effected within a period not exceeding thirty days of receipt of this notice.", skills=["plain language"],
         fix="Please pay within 30 days of getting this letter.", why="Legal phrasing is replaced with everyday words and a direct instruction."),
    dict(t="Mistakes were made in the processing of your application, and it was delayed.", skills=["active voice", "concision"],
         fix="We made mistakes processing your application, which delayed it.", why="'Mistakes were made' hides who made them; naming 'we' is clearer, and merging the clauses removes repetition."),
    dict(t="Due to the fact that the venue has reached it's maximum capacity, entry will not be possible.", skills=["proofreading", "concision"],
         fix="Because the venue is full, we cannot let anyone else in.", why="'It's' should be 'its', and 'due to the fact that' and 'reached maximum capacity' have shorter equivalents."),
    dict(t="The new policy was implemented by management in order to facilitate the optimisation of workflow processes.", skills=["active voice", "plain language"],
         fix="Management brought in the new policy to make our work run more smoothly.", why="The sentence is made active and the jargon is replaced with plain words."),
    dict(t="Should you require any further assistance, please do not hesitate to contact the undersigned.", skills=["plain language"],
         fix="If you need more help, just get in touch with me.", why="The stiff formula becomes a friendly, direct offer."),
    dict(t="Everyone should bring there own lunch, and we will provide drinks, snacks, and, deserts.", skills=["proofreading"],
         fix="Everyone should bring their own lunch; we will provide drinks, snacks and desserts.", why="'There' should be 'their', 'deserts' should be 'desserts', and the stray comma before 'desserts' goes."),
    dict(t="It is recommended by experts that children should be limiting their screen time in the hour before bedtime.", skills=["active voice", "concision"],
         fix="Experts recommend that children limit screens in the hour before bed.", why="The passive 'it is recommended by experts' becomes 'experts recommend', and 'should be limiting' becomes 'limit'."),
    dict(t="The meeting, which was held on Tuesday, and which was attended by most of the staff, decided that, in light of recent events, the office would close early on Fridays.", skills=["concision"],
         fix="At Tuesday's meeting, most staff agreed to close the office early on Fridays.", why="The stacked clauses are cut to the decision and who made it."),
    dict(t="Customers are advised that the utilisation of mobile devices is prohibited within the confines of the examination hall.", skills=["plain language", "concision"],
         fix="Please do not use phones in the exam hall.", why="Formal jargon like 'utilisation' and 'within the confines of' is replaced by everyday words."),
    dict(t="I seen the email yesterday but I never got chance to reply to it untill this morning.", skills=["proofreading", "formal register"],
         fix="I saw the email yesterday but did not have a chance to reply until this morning.", why="'Seen' becomes 'saw', 'got chance' becomes 'had a chance', 'untill' is corrected, and the tone is made suitable for work."),
    dict(t="Hey, just wanted to say the budget thing is kinda late, sorry about that, will sort it asap.", skills=["formal register", "concision"],
         fix="I apologise for the delay to the budget; I will send it by Friday.", why="Casual phrasing is replaced with a formal apology and a concrete date."),
    dict(t="The children was very excited when they seen the snow, they run outside straight away.", skills=["proofreading"],
         fix="The children were very excited when they saw the snow; they ran outside straight away.", why="'Was' becomes 'were', 'seen' becomes 'saw', 'run' becomes 'ran', and the comma splice is fixed."),
    dict(t="The garden is lovely. The garden has roses. The garden has a pond. The garden is open on Sundays.", skills=["transitions", "concision"],
         fix="The garden is lovely, with roses and a pond, and it is open on Sundays.", why="Four choppy sentences become one flowing sentence without repeating 'the garden'."),
    dict(t="The trains were late. We missed the start of the concert. We enjoyed the second half.", skills=["transitions"],
         fix="The trains were late, so we missed the start of the concert; even so, we enjoyed the second half.", why="'So' shows the cause and 'even so' signals the contrast."),
    dict(t="Prices went up. Sales did not fall. The shop is doing better than expected.", skills=["transitions"],
         fix="Although prices went up, sales did not fall, so the shop is doing better than expected.", why="'Although' links the contrast and 'so' draws the conclusion."),
]


@archetype("writing", 2.6)
def a_edit(g: Gen, k: int, force=None):
    cands = [e for e in EDITS if len(e["skills"]) == k and (force is None or force in e["skills"])]
    if not cands:
        raise Skip
    e = g.pick(cands)
    verb = {"proofreading": "fix the mistakes in", "active voice": "make this active", "concision": "tighten",
            "plain language": "put this in plain English", "formal register": "make this suitable for work",
            "transitions": "make this flow better"}
    asks = [verb[s] for s in e["skills"]]
    q = g.pick(["Can you {x}? \"{t}\"", "Please {x}: \"{t}\"", "Edit this sentence ({x}): \"{t}\""]).format(x=join_and(asks), t=e["t"])
    if g.chance(0.3):
        q = g.pick(["How would you improve this sentence? \"{t}\"", "What's wrong with this sentence? \"{t}\""]).format(t=e["t"])
    a = f"\"{e['fix']}\" {e['why']}"
    return q, a, list(e["skills"])


@archetype("writing", 1.0)
def a_paraphrase(g: Gen, k: int, force=None):
    items = [("The venue has reached capacity and no further admissions are possible.", "The hall is full, so no one else can come in."),
             ("Owing to adverse weather conditions, the match has been postponed.", "The match is off because of the bad weather."),
             ("Participants are requested to arrive no later than 8:45.", "Please get here by 8:45."),
             ("The library will be closed for refurbishment for the duration of August.", "The library is shut for repairs all through August."),
             ("Residents are reminded that refuse must be placed in the designated receptacles.", "Please put your rubbish in the right bins."),
             ("Demand for the product has exceeded our initial projections.", "More people want it than we expected."),
             ("The council has approved funding for the restoration of the bandstand.", "The council will pay to restore the bandstand.")]
    src, para = g.pick(items)
    q = g.pick(["Paraphrase this: \"{s}\"", "Say this another way: \"{s}\"", "Reword this sentence: \"{s}\""]).format(s=src)
    a = f"\"{para}\" " + g.pick(["The meaning is the same; only the wording has changed.", "It says the same thing in fresh words.",
                                 "Nothing is added or lost, just reworded."])
    extras = {"plain language": ("use everyday words", "It swaps the formal words for everyday ones, so it reads easily on a first pass."),
              "audience awareness": ("make it suitable for a children's newsletter",
                                     "For a children's newsletter you might add a friendly line, such as 'Thanks for helping!', and keep sentences under twelve words.")}
    skills, tq, ta = finish(g, ["paraphrasing"], extras, k, force, {"plain language": 2, "audience awareness": 1})
    return glue(q, tq), glue(a, ta), skills


OUTLINES = [
    dict(doc="a report to the council on {t}", t=["night buses", "street parking", "public libraries", "bike lanes", "a neighbourhood clean-up"],
         o="1) Summary and recommendation, 2) the current situation with key figures, 3) options considered, 4) costs and benefits of each, 5) recommendation and next steps.",
         trans="Link sections with sentences such as 'Given these figures, three options were considered' and 'Weighing costs against benefits, option two stands out'.",
         aud="Councillors read many reports, so put the recommendation and cost on the first page and keep technical detail in an appendix.",
         head="Working title: 'Options for {t}: a recommendation'."),
    dict(doc="a blog post about {t}", t=["urban gardening", "composting", "houseplants", "cycling to work", "learning a language as an adult"],
         o="1) A short personal hook, 2) why it matters, 3) three practical tips, 4) a common mistake to avoid, 5) a friendly sign-off with one thing to try this week.",
         trans="Move between tips with lines like 'Once that's sorted, the next step is...' so the post reads as a journey rather than a list.",
         aud="Blog readers skim, so use short paragraphs, one idea each, and a bold first sentence per section.",
         head="Title idea: 'Getting started with {t}: three tips I wish I'd known'."),
    dict(doc="a ten-minute talk at work about {t}", t=["remote work", "open-plan offices", "a four-day work week", "car sharing"],
         o="1) One surprising fact to open, 2) the problem in our team, 3) what other teams have tried, 4) a proposal for a small trial, 5) questions.",
         trans="Signpost aloud: 'So that's the problem; now let's look at what others have tried'.",
         aud="Colleagues will want to know what changes for them on Monday, so make that concrete early.",
         head="Slide title: 'Could {t} work for us? A small experiment'."),
    dict(doc="a school essay on {t}", t=["screen time for children", "homework", "school lunches", "plastic packaging"],
         o="1) Introduction with a clear thesis, 2) first argument with evidence, 3) second argument with evidence, 4) the strongest counterargument and a response, 5) conclusion.",
         trans="Begin each body paragraph with a linking phrase such as 'Furthermore', 'On the other hand' or 'Taken together'.",
         aud="Teachers reward a clear thesis and evidence, so state your position in the first paragraph and refer back to it.",
         head="Title: '{T}: more help than harm?'"),
]


@archetype("writing", 1.4)
def a_outline(g: Gen, k: int, force=None):
    o = g.pick(OUTLINES)
    t = g.pick(o["t"])
    doc = o["doc"].format(t=t)
    q = g.pick(["Outline {d}.", "Can you give me an outline for {d}?", "How should I structure {d}?"]).format(d=doc)
    a = o["o"]
    extras = {"transitions": ("suggest how to link the sections", o["trans"]),
              "audience awareness": ("keep the readers in mind", o["aud"]),
              "headline writing": ("suggest a title", o["head"].format(t=t, T=cap(t)))}
    skills, tq, ta = finish(g, ["outlining"], extras, k, force, {"transitions": 2, "audience awareness": 2, "headline writing": 1.2})
    return glue(q, tq), glue(a, ta), skills


TONES = [
    dict(m="You forgot to send the report again. I needed it yesterday.", ctx="a colleague",
         warm="\"Hi! Could you send the report when you get a moment today? I was hoping to use it in yesterday's meeting, so the sooner the better. Thanks!\"",
         pol="Framing it as a request and giving the reason avoids blame while still making the urgency clear.",
         emp="Adding 'I know things are hectic at the moment' acknowledges their workload before the ask."),
    dict(m="Your music is too loud. Turn it down.", ctx="my neighbour",
         warm="\"Hi, sorry to bother you! The music carries quite a lot through the wall in the evenings. Would you mind turning it down a bit after ten? Thanks so much.\"",
         pol="Apologising for the interruption and suggesting a specific time makes it easy to agree without feeling told off.",
         emp="A line like 'I know it's hard to tell how much sound travels' shows you don't assume bad intent."),
    dict(m="No. We can't do that deadline.", ctx="a client",
         warm="\"Thanks for sending this over. Unfortunately we can't deliver everything by the 5th, but we could deliver the first part then and the rest by the 12th. Would that work?\"",
         pol="Offering an alternative turns a refusal into a proposal, which keeps the conversation going.",
         emp="Acknowledging that the date matters to them ('I know the launch is close') makes the no easier to hear."),
    dict(m="Why haven't you replied to my messages?", ctx="a friend",
         warm="\"Hey, haven't heard from you in a while. Hope everything's OK! No pressure, just wanted to check in.\"",
         pol="Removing the accusation and adding 'no pressure' gives your friend room to respond without guilt.",
         emp="Wondering whether they are alright, rather than why they ignored you, shows care."),
    dict(m="This is wrong. Redo it.", ctx="a junior team member",
         warm="\"Thanks for this. A few numbers in the second table don't match the source, so could you take another look at those? Happy to go through it together if useful.\"",
         pol="Being specific about what is wrong and offering help makes the feedback usable and less deflating.",
         emp="Starting with thanks recognises the effort they put in."),
    dict(m="I want a refund. Your product broke after a week.", ctx="an online shop",
         warm="\"Hello, the kettle I bought on 3 March (order 4471) stopped working after a week. Could you arrange a refund or a replacement? Photos are attached. Thank you.\"",
         pol="Clear facts and a polite request usually get a faster result than an angry message.",
         emp="Customer service staff did not break the kettle, and writing to them as people helps."),
]


@archetype("writing", 1.6)
def a_tone(g: Gen, k: int, force=None):
    t = g.pick(TONES)
    q = g.pick(["Make this message to {c} friendlier: \"{m}\"", "How can I say this to {c} without sounding rude? \"{m}\"",
                "Rewrite this for {c} in a warmer tone: \"{m}\""]).format(c=t["ctx"], m=t["m"])
    a = "Try: " + t["warm"]
    extras = {"politeness strategies": ("explain what makes it polite", t["pol"]),
              "empathy": ("add something that shows I understand their side", t["emp"]),
              "concision": ("keep it brief", "It stays under four short sentences, so it reads as a quick friendly note rather than a lecture.")}
    skills, tq, ta = finish(g, ["tone adjustment"], extras, k, force, {"politeness strategies": 3, "empathy": 1.5, "concision": 1})
    return glue(q, tq), glue(a, ta), skills


JARGON = [
    dict(t="Pursuant to the terms of your tenancy agreement, the lessee is responsible for the maintenance of all internal fixtures.", aud="a new tenant",
         p="Under your rental contract, you are responsible for looking after everything inside the flat, like taps, lights and cupboards.",
         aud_s="For a first-time renter, add an example of what the landlord still covers, like the boiler and the roof.",
         summ="In one line: inside repairs are yours."),
    dict(t="Patients are advised to refrain from the consumption of food and beverages for a minimum of eight hours prior to the procedure.", aud="an elderly patient",
         p="Please don't eat or drink anything for at least eight hours before your appointment.",
         aud_s="For an elderly patient, add the actual clock time, e.g. 'nothing after midnight if your appointment is at 8 a.m.', and ask about medicines.",
         summ="In one line: nothing to eat or drink for eight hours before."),
    dict(t="The system will undergo scheduled maintenance, during which period service availability may be intermittently degraded.", aud="customers of a banking app",
         p="The app will be updated on Sunday night, and it may not work properly for short periods while that happens.",
         aud_s="For app customers, say exactly when, e.g. 'Sunday from 1 to 3 a.m.', and what still works, such as card payments.",
         summ="In one line: brief app hiccups on Sunday night."),
    dict(t="Non-compliance with the aforementioned waste segregation requirements may result in the non-collection of receptacles.", aud="residents of a street",
         p="If the wrong rubbish is in a bin, we may not empty it.",
         aud_s="For residents, add a picture of what goes in each bin; most mistakes are about plastics.",
         summ="In one line: sort your rubbish or the bin stays full."),
    dict(t="Applicants must furnish evidence of residency in the form of a utility bill dated within the preceding three-month period.", aud="people applying for a library card",
         p="Please bring a gas, electricity or water bill from the last three months that shows your address.",
         aud_s="For library applicants, mention what to do if you don't have a bill in your name, such as a letter from your landlord.",
         summ="In one line: bring a recent bill with your address."),
]


@archetype("writing", 1.4)
def a_plain(g: Gen, k: int, force=None):
    j = g.pick(JARGON)
    q = g.pick(["Rewrite this for {a} in plain language: \"{t}\"", "How would you say this simply to {a}? \"{t}\"",
                "Translate this into normal English for {a}: \"{t}\""]).format(a=j["aud"], t=j["t"])
    a = j["p"]
    extras = {"audience awareness": ("adapt it to who'll read it", j["aud_s"]),
              "summarisation": ("add a one-line summary", j["summ"]),
              "explaining to a novice": ("explain any remaining jargon",
                                         "If a term must stay, explain it once in brackets the first time it appears, as you would for someone new to the topic.")}
    skills, tq, ta = finish(g, ["plain language"], extras, k, force,
                            {"audience awareness": 2.5, "summarisation": 1.2, "explaining to a novice": 0.8})
    return glue(q, tq), glue(a, ta), skills


# =========================================================================================================
# Area: logical reasoning
# =========================================================================================================

CONDITIONALS = [
    ("the shop is open", "the lights in the window are on", "the shop is not open", "the lights in the window are off"),
    ("it rains", "the match is moved indoors", "it does not rain", "the match is not moved indoors"),
    ("a student scores over 90", "she gets a distinction", "she does not score over 90", "she does not get a distinction"),
    ("the alarm is armed", "the red light is on", "the alarm is not armed", "the red light is off"),
    ("the parcel was delivered", "there is a card in the letterbox", "the parcel was not delivered", "there is no card in the letterbox"),
    ("the battery is flat", "the car won't start", "the battery is not flat", "the car starts"),
    ("Lena is in Paris", "Lena is in France", "Lena is not in Paris", "Lena is not in France"),
    ("the bakery sells out of bread", "it closes early", "the bakery does not sell out", "it does not close early"),
]


@archetype("logic", 2.0)
def a_conditional(g: Gen, k: int, force=None):
    P, Q, notP, notQ = g.pick(CONDITIONALS)
    form = g.pick(["mp", "mp", "mt", "mt", "mt", "ac", "da"])
    if force == "modus ponens":
        form = "mp"
    elif force == "modus tollens":
        form = "mt"
    elif force == "fallacy detection":
        form = g.pick(["ac", "da"])
    premise = {"mp": P, "mt": notQ, "ac": Q, "da": notP}[form]
    concl = {"mp": Q, "mt": notP, "ac": P, "da": notQ}[form]
    q = g.pick(["If {P}, then {Q}. We know that {pr}. Can we conclude that {c}?",
                "Rule: if {P}, {Q}. Fact: {pr}. Does it follow that {c}?",
                "Is this argument valid? If {P}, then {Q}; {pr}; therefore {c}."]).format(P=P, Q=Q, pr=premise, c=concl)
    if form == "mp":
        base = ["modus ponens"]
        a = f"Yes: the rule says {P} is enough for {Q}, and {P} holds, so {Q} follows (modus ponens)."
        cx = None
    elif form == "mt":
        base = ["modus tollens"]
        a = f"Yes: the rule says that if {P}, then {Q}; since {notQ}, it cannot be that {P}, so {notP} (modus tollens)."
        cx = None
    elif form == "ac":
        base = ["fallacy detection"]
        a = f"No: that affirms the consequent. The rule only says that if {P}, then {Q}; there could be other reasons why {Q}."
        cx = f"Counterexample: imagine a case where {Q} for some other reason even though {notP}; the premises hold but the conclusion fails."
    else:
        base = ["fallacy detection"]
        a = f"No: that denies the antecedent. The rule says nothing about the case where {notP}, so it could still be that {Q}."
        cx = f"Counterexample: {notP}, yet {Q} for some other reason; both premises are true and the conclusion is false."
    extras = {"deductive reasoning": ("explain what makes an argument valid",
                                      "An argument is valid when the conclusion must be true whenever the premises are; validity is about the form, not about whether the facts are true."),
              "truth tables": ("check it with a truth table",
                               "A truth table for 'if P then Q' has it false only when P is true and Q is false; "
                               + ("in every row where the premises are true, the conclusion is true too, so the form is valid." if form in ("mp", "mt") else
                                  "there is a row where both premises are true and the conclusion false, so the form is invalid.")),
              "explaining to a novice": ("explain it in everyday terms",
                                         "In everyday terms: a rule tells you what happens when its 'if' part is true, and nothing more.")}
    w = {"deductive reasoning": 2, "truth tables": 1.2, "explaining to a novice": 0.8}
    if cx:
        extras["counterexample"] = ("give a counterexample", cx)
        w["counterexample"] = 2.5
    skills, tq, ta = finish(g, base, extras, k, force, w)
    return glue(q, tq), glue(a, ta), skills


STAT_SYL = [
    ("trains on this line run on time", "the 8:10 tomorrow", "will probably run on time", "train punctuality varies by time of day, so rush-hour trains may be worse than the average"),
    ("patients with these symptoms have a simple viral infection", "Mr Dumas, who has these symptoms", "probably has a simple viral infection", "he is 84 and has a heart condition, which puts him in a group where the rate may be very different"),
    ("customers who sign up for the trial stay for at least a month", "the customer who signed up this morning", "will probably stay at least a month", "she signed up through a discount site, whose customers may behave differently"),
    ("dogs of this breed are good with children", "our neighbour's dog", "is probably good with children", "this particular dog was rescued after mistreatment, which could matter more than its breed"),
    ("flights from this airport leave within 15 minutes of schedule", "my flight on a stormy December evening", "will probably leave on time", "winter storms are exactly when the usual rate may not apply"),
    ("students who complete all the practice tests pass the exam", "Jonas, who did every practice test", "will probably pass", "he was ill during the last month of revision"),
]


@archetype("logic", 1.4)
def a_statsyl(g: Gen, k: int, force=None):
    grp, who, concl, caveat = g.pick(STAT_SYL)
    if ", who" in who:
        who += ","
    pct = g.randint(70, 97)
    q = g.pick(["{p}% of {grp}. What can we say about {who}?", "Given that {p}% of {grp}, is it safe to say {who} {c}?",
                "About {p} in 100 {grp}. Does that mean {who} {c}?"]).format(p=pct, grp=grp, who=who, c=concl)
    q = q.replace(",?", "?")
    a = (f"It is reasonable to say that {who} {concl}, with roughly {pct}% confidence if nothing else is known, but not certainly: "
         f"{100 - pct} in 100 cases are exceptions.")
    extras = {"probability": ("put a number on the chance", f"Without other information, the probability is about {pct / 100:.2f}, so the chance of being wrong is about {(100 - pct) / 100:.2f}."),
              "necessary and sufficient conditions": ("say whether belonging to the group guarantees it",
                                                       "Belonging to the group is not sufficient to guarantee the outcome; it only makes it likely."),
              "plausibility checking": ("tell me what could make it a bad bet", f"The inference weakens if this case differs from the group: here, {caveat}.")}
    skills, tq, ta = finish(g, ["statistical syllogism"], extras, k, force,
                            {"probability": 2, "necessary and sufficient conditions": 0.8, "plausibility checking": 2})
    return glue(q, tq), glue(a, ta), skills


FALLACIES = [
    dict(arg="If you don't support the new car park, you obviously want the town centre to die.", kind="false dilemma",
         a="This is a false dilemma: it assumes the only alternative to the car park is a dying town centre, ignoring better buses, cheaper parking elsewhere or a smaller car park.",
         steel="The serious point is that shops need customers to reach them somehow, and parking is one way.",
         reb="Ask which options for getting customers into town were compared, and at what cost."),
    dict(arg="If we let staff work from home one day a week, soon nobody will come in at all and the team will fall apart.", kind="slippery slope",
         a="This is a slippery slope: nothing shows that one home day leads to none in the office, and the policy can set limits.",
         steel="The real worry is that spontaneous collaboration suffers if people are rarely together.",
         reb="A trial with one fixed team day in the office addresses that worry directly."),
    dict(arg="Either you buy the extended warranty or you'll be paying for a new fridge within a year.", kind="false dilemma",
         a="This is a false dilemma: most fridges run for many years without one, and repairs or savings are other options.",
         steel="Fairly put, the seller's point is that repairs can be expensive and a warranty removes that uncertainty.",
         reb="Compare the warranty price with the likely repair cost times the chance of a fault."),
    dict(arg="If we lower the voting age to 16, next they'll want 12-year-olds voting.", kind="slippery slope",
         a="This is a slippery slope: the case for 16 rests on specific reasons, such as paying tax and leaving school, that do not extend to 12.",
         steel="The fair concern is where to draw the line and on what principle.",
         reb="Debate the reasons for 16 on their merits, since each age limit needs its own justification."),
    dict(arg="Either we close the library or we raise council tax.", kind="false dilemma",
         a="This is a false dilemma: it presents two options as the only ones, ignoring shorter opening hours, volunteers, shared buildings or other savings.",
         steel="The strongest version of the worry is that the council's budget is genuinely short and any option will cost something.",
         reb="A better debate would list all the realistic options with their costs, and let residents weigh them."),
    dict(arg="If we let students use calculators in Year 6, soon nobody will be able to add up and society will collapse.", kind="slippery slope",
         a="This is a slippery slope: it jumps from one small change to a catastrophe without showing why each step would follow.",
         steel="The fair concern underneath is that mental arithmetic skills may weaken if they are never practised.",
         reb="Calculators can be allowed for some tasks while mental arithmetic is still taught and tested separately."),
    dict(arg="You're either with us on this project or against us.", kind="false dilemma",
         a="This is a false dilemma: people can support parts of a project, be undecided or suggest changes.",
         steel="The speaker may fear that lukewarm support will let the project stall.",
         reb="Ask for specific commitments instead of loyalty: what each person can do by when."),
    dict(arg="If we allow one food truck in the square, next it'll be dozens, then the square will be a car park full of vans.", kind="slippery slope",
         a="This is a slippery slope: no reason is given why one licence would lead to dozens, and the council controls every licence.",
         steel="At its strongest, the worry is that a precedent makes later applications harder to refuse.",
         reb="A clear limit in the licence conditions, such as two trucks maximum, answers the worry directly."),
    dict(arg="This diet must work, because a famous footballer swears by it.", more="Ask what evidence the diet has beyond the endorsement.", kind=None,
         a="This is an appeal to authority: a footballer's fame is not expertise in nutrition, and one person's experience is not evidence that it works in general.",
         steel="The charitable reading is that a top athlete has access to good advice, so the diet might be worth a closer look.",
         reb="What would count is evidence from controlled studies, not endorsement."),
    dict(arg="My grandfather smoked every day and lived to 95, so smoking can't be that bad.", more="Memorable exceptions are exactly what large studies are designed to look past.", kind=None,
         a="This is an anecdote standing in for evidence: one survivor does not outweigh large studies showing that smoking greatly increases the risk of disease.",
         steel="The fair point is that risk is not certainty, and some smokers do live long lives.",
         reb="Risk describes populations: for every grandfather who lived to 95, many others died years early."),
    dict(arg="Nobody has proved that the new phone masts are safe, so they must be dangerous.", more="Absence of evidence either way is a reason to look at the evidence, not to assume the worst.", kind=None,
         a="This is an argument from ignorance: a lack of proof of safety is not proof of danger, and the burden is to show evidence of harm.",
         steel="The reasonable core is that new technology should be monitored, not simply assumed safe.",
         reb="The question is what the existing measurements and studies show, not what has not been 'proved'."),
    dict(arg="We shouldn't listen to Anna's plan for the budget; she can't even keep her own desk tidy.", more="Steering the discussion back to the plan's figures is the simplest response.", kind=None,
         a="This is an ad hominem: it attacks Anna rather than her plan, and a messy desk says nothing about the budget's numbers.",
         steel="If the point is that Anna is disorganised in ways that affect delivery, that should be stated with examples relevant to the plan.",
         reb="Judge the plan by its figures and assumptions, whoever wrote it."),
]


FALLACY_MORE = {"false dilemma": "Naming one or two of the missing options is usually enough to take the sting out of it.",
                "slippery slope": "Ask which link in the chain is actually likely, and who would decide each step."}


@archetype("logic", 1.8)
def a_fallacy(g: Gen, k: int, force=None):
    f = g.pick(FALLACIES)
    q = g.pick(["What's wrong with this argument? \"{a}\"", "Is this reasoning sound? \"{a}\"", "Someone said: \"{a}\" How do I point out the flaw?"]).format(a=f["arg"])
    base = ["fallacy detection"] + ([f["kind"]] if f["kind"] else [])
    a = glue(f["a"], FALLACY_MORE.get(f["kind"]) or f.get("more", ""))
    extras = {"steelmanning": ("state the best version of their point first", f["steel"]),
              "rebuttal": ("tell me how to respond", f["reb"])}
    skills, tq, ta = finish(g, base, extras, k, force, {"steelmanning": 1.5, "rebuttal": 2})
    return glue(q, tq), glue(a, ta), skills


NECSUF = [
    dict(c="having a ticket", o="getting on the ferry", a="A ticket is necessary but not sufficient: you also need to arrive before the gate closes and have a valid ID.",
         cx="Someone with a ticket who arrives after the gate closes does not board, which shows the ticket alone is not enough.",
         ded="So from 'she boarded' we can deduce 'she had a ticket', but from 'she has a ticket' we cannot deduce 'she boarded'."),
    dict(c="being over 18", o="being allowed to vote in national elections", a="Being over 18 is necessary in most countries but not sufficient: you also need citizenship and, often, registration.",
         cx="A 30-year-old visitor from abroad is over 18 but cannot vote, so age alone is not sufficient.",
         ded="From 'he voted' we can deduce 'he is over 18', but not the other way round."),
    dict(c="a number being divisible by 4", o="it being even", a="Divisibility by 4 is sufficient for a number to be even, but not necessary: 6 is even without being divisible by 4.",
         cx="6 is the counterexample that shows it is not necessary.",
         ded="So every number divisible by 4 is even, which we can deduce from 4 = 2 × 2."),
    dict(c="water", o="a plant growing", a="Water is necessary for a plant to grow but not sufficient: it also needs light, nutrients and a suitable temperature.",
         cx="A well-watered plant in a dark cupboard still fails to grow, so water is not sufficient.",
         ded="If a plant is growing, we can deduce it is getting water, but watering does not guarantee growth."),
    dict(c="a shape being a square", o="it being a rectangle", a="Being a square is sufficient for being a rectangle, because a square has four right angles, but it is not necessary.",
         cx="A 2 × 5 rectangle is a rectangle that is not a square.",
         ded="So from 'this is a square' we can deduce 'this is a rectangle', but not the reverse."),
    dict(c="passing the final exam", o="getting the certificate", a="Passing the exam is necessary, but the rules also require attending 80% of sessions, so it is not sufficient on its own.",
         cx="A student who passes but attended only half the sessions does not get the certificate.",
         ded="From 'she got the certificate' we can deduce both that she passed and that she attended enough sessions."),
]


@archetype("logic", 1.2)
def a_necsuf(g: Gen, k: int, force=None):
    n = g.pick(NECSUF)
    q = g.pick(["Is {c} necessary or sufficient for {o}?", "Is {c} enough for {o}, or just required?", "How does {c} relate to {o}: necessary, sufficient or both?"]).format(c=n["c"], o=n["o"])
    a = n["a"]
    extras = {"counterexample": ("give a counterexample", n["cx"]),
              "deductive reasoning": ("say what we can and can't deduce", n["ded"])}
    skills, tq, ta = finish(g, ["necessary and sufficient conditions"], extras, k, force, {"counterexample": 2.5, "deductive reasoning": 1.5})
    return glue(q, tq), glue(a, ta), skills


ABDUCTIONS = [
    dict(o="the lawn is wet this morning but the forecast said no rain and the pavement is dry",
         best="The best explanation is the sprinkler or heavy dew, not rain, since rain would have wet the pavement too.",
         cause="Dew forms when grass cools overnight below the dew point, which happens on clear, still nights, while pavements hold heat and stay dry.",
         hyp="A testable guess: if it was dew, the car windscreen will also be wet and the grass under the tree will be drier.",
         plaus="A burst pipe is possible but much less likely, since it would leave a wet patch, not an evenly wet lawn."),
    dict(o="my houseplant's leaves are yellowing from the bottom up and the soil smells musty",
         best="Overwatering is the most likely cause: waterlogged roots rot, can't take up nutrients, and the lower leaves go first.",
         cause="Too much water drives air out of the soil, the roots suffocate and rot, and the plant then sheds its oldest leaves.",
         hyp="To test it, tip the plant out: brown, mushy roots confirm root rot, while white firm roots point elsewhere.",
         plaus="Lack of light would usually cause pale, stretched growth rather than yellowing at the base."),
    dict(o="our office printer works for everyone except the three people who joined this month",
         best="The most likely explanation is that the new accounts were never given printer permissions or the printer driver.",
         cause="New laptops are set up from a standard image that may not include the printer, so only new staff are affected.",
         hyp="Test it by adding one new person to the printer group and seeing whether their jobs go through.",
         plaus="A hardware fault is implausible, since it would not pick out only new staff."),
    dict(o="the cat has stopped eating its usual food but eats treats happily",
         best="The likeliest explanation is that it has gone off the food itself, perhaps a new batch or a stale opened bag, rather than being ill.",
         cause="Cats are sensitive to smell, and an opened bag left for weeks loses the aromas that make it appealing.",
         hyp="Try a freshly opened bag of the same food: if it eats, the food was the problem.",
         plaus="Dental pain is possible, but it would usually make treats harder to eat too; if it continues beyond a day or two, see a vet."),
    dict(o="sales of umbrellas at our shop doubled last week even though it barely rained",
         best="A plausible explanation is a specific event, such as a festival, a school trip or a bulk order, rather than the weather.",
         cause="Demand has causes beyond weather: a local event, a promotion or a large single purchase could each produce a spike.",
         hyp="Check the till records: one large transaction points to a bulk order, many small ones to an event or promotion.",
         plaus="A recording error is also plausible if one day's sales look suspiciously large."),
]


@archetype("logic", 1.3)
def a_abduction(g: Gen, k: int, force=None):
    x = g.pick(ABDUCTIONS)
    q = g.pick(["I noticed that {o}. What's the most likely explanation?", "Puzzle: {o}. What explains it best?", "Why might it be that {o}?"]).format(o=x["o"])
    a = x["best"]
    extras = {"cause and effect": ("explain the mechanism", x["cause"]),
              "hypothesis formulation": ("tell me how to test your guess", x["hyp"]),
              "plausibility checking": ("rule out the less likely explanations", x["plaus"])}
    skills, tq, ta = finish(g, ["abductive reasoning"], extras, k, force,
                            {"cause and effect": 2, "hypothesis formulation": 1.5, "plausibility checking": 1.5})
    return glue(q, tq), glue(a, ta), skills


INDUCTIONS = [
    dict(obs="every swan I've seen in our park is white", gen="'All swans are white'", ok="a reasonable local generalisation but weak as a universal rule, because your sample comes from one park",
         cx="Black swans exist, for example in Australia, so the universal version is false.",
         bias="Your park is not a random sample of the world's swans.",
         ssyl="A better use is statistical: most swans you are likely to see locally will be white."),
    dict(obs="the last five times I washed my car, it rained the next day", gen="'Washing my car makes it rain'", ok="not supported: five cases is a tiny sample, and there is no mechanism",
         cx="Any dry day after a wash would break the rule, and you will probably find one by looking back further.",
         bias="You remember the washes followed by rain because they were annoying, and forget the others.",
         ssyl="At most you can say rain is common where you live, so any given day has a fair chance of it."),
    dict(obs="every customer I called from our list this morning said they were happy with the service", gen="'All our customers are happy'", ok="too strong: a morning's calls from one list may not represent everyone",
         cx="A single complaint in the inbox is enough to show that not every customer is happy.",
         bias="If the list only contained customers who recently bought again, it is biased towards happy ones.",
         ssyl="You could say that customers like those you called are probably satisfied, with a number attached once you have a random sample."),
    dict(obs="the three apps I built with this framework were all fast", gen="'Apps built with this framework are fast'", ok="a tentative generalisation worth testing, but three similar apps are a small and narrow sample",
         cx="An app with heavy data processing could easily be slow in any framework, which would be a counterexample.",
         bias="If all three were small apps, the sample says nothing about large ones.",
         ssyl="Reasonable claim: small apps like yours will probably be fast with it."),
    dict(obs="every tomato plant on the sunny side of the garden fruited before those in the shade", gen="'Sunlight makes tomatoes fruit earlier'", ok="a reasonable generalisation, supported by many plants and a plausible mechanism, though one season is limited",
         cx="A shaded plant of an early variety fruiting first would show the rule has exceptions.",
         bias="If the sunny side also has better soil, the sample confounds sun with soil.",
         ssyl="Next year, a plant on the sunny side will probably fruit early too."),
]


@archetype("logic", 1.2)
def a_induction(g: Gen, k: int, force=None):
    x = g.pick(INDUCTIONS)
    q = g.pick(["I've noticed {o}. Can I conclude {gen}?", "{o_c}. Is it fair to generalise to {gen}?", "Based on the fact that {o}, would you say {gen}?"]).format(
        o=x["obs"], o_c=cap(x["obs"]), gen=x["gen"])
    a = f"It is {x['ok']}."
    extras = {"counterexample": ("give a counterexample", x["cx"]),
              "sampling bias": ("comment on the sample", x["bias"]),
              "statistical syllogism": ("tell me what weaker claim I can make", x["ssyl"])}
    skills, tq, ta = finish(g, ["inductive generalisation"], extras, k, force,
                            {"counterexample": 2, "sampling bias": 2, "statistical syllogism": 1})
    return glue(q, tq), glue(a, ta), skills


EXPRS = [
    ("P and not P", "It is false in every row, a contradiction: P cannot be both true and false.", lambda p, q: p and not p),
    ("P or not P", "It is true in every row, a tautology.", lambda p, q: p or not p),
    ("if P then Q", "It is false only in the row P true, Q false.", lambda p, q: (not p) or q),
    ("not (P and Q)", "It is false only when both P and Q are true, which matches 'not P or not Q' (De Morgan's law).", lambda p, q: not (p and q)),
    ("P xor Q", "It is true exactly when P and Q differ.", lambda p, q: p != q),
    ("(P or Q) and not P", "It is true only in the row P false, Q true, so whenever it holds, Q must be true.", lambda p, q: (p or q) and not p),
    ("if P then Q, and not Q", "It is true only when P and Q are both false, which is why modus tollens lets us conclude not P.", lambda p, q: ((not p) or q) and not q),
]


@archetype("logic", 1.0)
def a_truth(g: Gen, k: int, force=None):
    expr, note, fn = g.pick(EXPRS)
    rows = "; ".join(f"P={'T' if p else 'F'}, Q={'T' if q else 'F'}: {'T' if fn(p, q) else 'F'}" for p in (True, False) for q in (True, False))
    q = g.pick(["Write the truth table for '{e}'.", "What does the truth table of '{e}' look like?", "Evaluate '{e}' for every combination of P and Q."]).format(e=expr)
    a = f"Rows: {rows}. {note}"
    extras = {"python programming": ("show how to generate it in Python",
                                     "In Python: `for p, q in itertools.product([True, False], repeat=2): print(p, q, <expression>)` prints every row."),
              "deductive reasoning": ("tell me what it lets us deduce",
                                      "A truth table decides validity mechanically: a form is valid when no row makes the premises true and the conclusion false."),
              "modus tollens": ("connect it to modus tollens",
                                "Modus tollens is visible here: in the rows where 'if P then Q' holds and Q is false, P is false too.")}
    w = {"python programming": 1, "deductive reasoning": 2, "modus tollens": 1 if "then" in expr else 0.0001}
    if "then" not in expr:
        extras.pop("modus tollens")
        w.pop("modus tollens")
    skills, tq, ta = finish(g, ["truth tables"], extras, k, force, w)
    return glue(q, tq), glue(a, ta), skills


# =========================================================================================================
# Rare, hand-written cross-area records (the long tail). Each is emitted exactly once.
# =========================================================================================================

RARE = [
    (["rhyme and meter", "algorithm design"],
     "Write a limerick that explains binary search.",
     "To find a name fast in a list,\nopen halfway, then ask, to assist:\n'Is it left? Is it right?'\nHalve again, out of sight,\ntill one name is left, none are missed.\n\nEach line halves the search space, which is exactly why the method needs only about log2(n) steps."),
    (["plot structure", "probability", "explaining to a novice"],
     "Write a very short bedtime story that teaches a six-year-old what 'one in six' means.",
     "Pip the rabbit had a die with six sides, and only one side had a carrot on it. Every night she rolled it, hoping for the carrot, and most nights she got a number instead. But over six nights, the carrot came up about once, so Pip learned that 'one in six' means that out of six tries, you can expect the lucky side about one time. The end: Pip saved the carrot nights for extra-special hops."),
    (["headline writing", "descriptive statistics", "framing"],
     "The median rent in our town rose from €850 to €935 this year, while the mean went from €910 to €960. Write a newspaper headline and say which figure to lead with.",
     "Headline: \"Typical rent up €85 a month in a year\". Lead with the median, which rose 10%, because it describes the typical tenant; the mean, up about 5.5%, is pulled around by a few very expensive flats. Framing it as 'a month' makes the change concrete for readers' budgets."),
    (["git workflow", "concision"],
     "Write a commit message for a change that fixes the rounding of VAT on invoices with more than ten lines.",
     "Fix VAT rounding on invoices with over ten lines\n\nRound per line before summing, as the tax rules require, instead of rounding the total once. Adds a test with an eleven-line invoice."),
    (["persuasion", "unit testing", "audience awareness"],
     "Help me convince my small dev team, who think tests slow them down, to start writing unit tests.",
     "Start from their worry, speed: the bugs that cost us the most time last quarter would each have been caught by a ten-line test. Propose a small, low-cost rule, tests only for new bug fixes, so nobody has to rewrite old code. After a month, compare time spent on hotfixes before and after, so the team judges the results with its own numbers."),
    (["compound interest", "metaphor", "explaining to a novice"],
     "Explain compound interest to a teenager using a metaphor.",
     "Compound interest is a snowball rolling downhill: at first it picks up a little snow, but the bigger it gets, the more snow each turn adds. Money works the same way, because interest is paid on the interest you already earned. So €100 at 5% becomes €105, then €110.25, and after 20 years about €265, without you adding anything."),
    (["unreliable narrator", "irony", "show don't tell"],
     "Write a short piece of flash fiction with an unreliable narrator.",
     "I am the calmest person in this office, everyone says so. When Derek took the last coffee pod I simply smiled, and when he borrowed my stapler I smiled again. I have no idea why the stapler is now in the office pond, or why Derek keeps checking the pond before he sits down. Calm people never do anything they regret."),
    (["unreliable narrator", "reading subtext"],
     "How can I make readers slowly realise my first-person narrator is lying?",
     "Let the narrator's claims clash with small details they report without noticing, for example insisting they barely knew someone while remembering that person's coffee order. Let other characters react in ways that make sense only if the narrator is wrong, such as going quiet when they walk in. Readers enjoy decoding the subtext, so never have anyone state the truth outright until late."),
    (["unreliable narrator", "plot structure", "foreshadowing"],
     "Outline a mystery told by a narrator who turns out to be the culprit.",
     "Act one: the narrator, a helpful neighbour, reports a missing necklace and joins the search. Act two: the clues point to others, but the narrator keeps 'finding' evidence just in time. Act three: a detail from the first chapter, the narrator's scratched hands that they blamed on a rose bush, proves they climbed the thorny wall to the victim's window. Plant the scratches early and casually so the reveal feels fair."),
    (["probability", "contingency planning", "itinerary planning"],
     "We're planning a picnic on Saturday and the forecast says 40% chance of rain. Should we go ahead?",
     "A 40% chance means rain is less likely than not, but common enough that you need a plan B. Choose a park with a covered shelter or a café nearby, pack food that works indoors too, and set a decision time, say 10:00, when you check the hourly forecast. If rain is forecast for the picnic hours at that point, move the picnic to someone's living room and keep the same menu."),
    (["pathos", "social etiquette", "anaphora"],
     "Help me write a short toast for my sister's wedding.",
     "Raise your glasses, everyone, and I'll keep this short, as the food is waiting. Maya, you were the one who taught me to ride a bike, the one who covered for me when I broke Mum's vase, the one who always picks up the phone. Today I watched you choose someone who picks up the phone for you too. To Maya and Sam!"),
    (["data visualisation", "misconception correction"],
     "A chart in a company presentation shows sales jumping sharply, but the y-axis starts at 950 instead of 0. Is that misleading?",
     "It can be: starting the axis at 950 makes a rise from 960 to 990, about 3%, look like a tripling. For bar charts the axis should start at zero, because readers compare bar lengths; for line charts a narrower range is acceptable if it is clearly labelled. Add the percentage change to the chart so nobody has to guess the scale."),
    (["hyperbole", "sarcasm detection", "emotion recognition"],
     "My mum said 'I've told you a million times to take your shoes off.' Is she being sarcastic?",
     "It is hyperbole rather than sarcasm: she does not mean a literal million, and she does mean what she says. The exaggeration signals frustration at repeating herself, so the feeling behind it is exasperation, not real anger. Taking the shoes off without comment is probably the best reply."),
    (["understatement", "irony"],
     "Why would someone say 'it's a bit nippy' during a blizzard?",
     "It is understatement used for humour: describing something extreme in deliberately mild words. The gap between 'a bit nippy' and a blizzard is ironic, and the listener is meant to notice it and smile. It also signals a kind of stoic calm, treating hardship as no big deal."),
    (["json tool calls", "itinerary planning", "budgeting"],
     "You can call search_trains(from, to, date) and book_hotel(city, nights, max_price). Plan a two-night trip from Bristol to York next Friday on a €250 budget for the hotel.",
     "First search the trains, then book the hotel within budget: {\"name\": \"search_trains\", \"arguments\": {\"from\": \"Bristol\", \"to\": \"York\", \"date\": \"next friday\"}}, then {\"name\": \"book_hotel\", \"arguments\": {\"city\": \"York\", \"nights\": 2, \"max_price\": 125}}. The max_price is per night, €250 divided by two nights. Once the train arrival time is known, plan an afternoon walk on the city walls and the minster the next morning."),
    (["second-order belief", "dialogue writing"],
     "Write a short dialogue where Ana thinks Ben doesn't know about his surprise party, but he does.",
     "'Don't make plans for Saturday,' Ana said, too casually. 'Why not?' Ben asked, hiding a smile. 'No reason. Just... don't.' Ben nodded solemnly; he had seen the group chat on her laptop on Tuesday, but he could tell she believed he had no idea, so he practised his surprised face in the mirror that night."),
    (["counterexample", "algorithm design"],
     "Does the greedy method, always taking the largest coin first, always give the fewest coins?",
     "Not for every coin system. With coins of 1, 3 and 4, making 6 greedily gives 4 + 1 + 1, three coins, while 3 + 3 uses only two. Greedy works for standard euro coins, but for arbitrary coin sets you need dynamic programming, which tries the best answer for every smaller amount."),
    (["energy reasoning", "budgeting", "household know-how"],
     "Is it cheaper to boil water for tea in the kettle or the microwave?",
     "The kettle usually wins: it heats the water directly, while a microwave wastes energy on the cup and the turntable and heats unevenly. Boiling one cup in a kettle uses about 0.03 kWh, well under one cent, but only if you boil just what you need. Descaling the kettle also helps, because limescale slows the heat getting into the water."),
]


# =========================================================================================================
# Driver
# =========================================================================================================

def k_schedule(n: int) -> list[int]:
    """The number of skills for each of ``n`` records, matching :data:`K_SHARES` (largest remainders)."""
    raw = {k: share * n for k, share in K_SHARES.items()}
    counts = {k: int(v) for k, v in raw.items()}
    rest = n - sum(counts.values())
    for k in sorted(raw, key=lambda k: (counts[k] - raw[k], k))[:rest]:
        counts[k] += 1
    return [k for k in sorted(counts) for _ in range(counts[k])]


def _weighted(g: Gen, items):
    total = sum(w for _, _, w in items)
    x = g.rng.random() * total
    for item in items:
        x -= item[2]
        if x <= 0:
            return item
    return items[-1]


def _check(user: str, answer: str, skills: list[str]) -> None:
    if not user.strip() or not answer.strip():
        raise AssertionError("empty text")
    if len(set(skills)) != len(skills):
        raise AssertionError(f"duplicate skills {skills}")
    unknown = [s for s in skills if s not in SKILL_SET]
    if unknown:
        raise AssertionError(f"unknown skills {unknown}")


def generate(seed: int = SEED, n: int = N_RECORDS) -> list[dict]:
    """Generate the corpus records (without ids), deterministic in ``seed``."""
    g = Gen(seed)
    ks = k_schedule(n)
    g.shuffle(ks)
    seen: set[str] = set()           # user texts: no two records ask the same thing
    seen_answers: set[str] = set()   # answers: no two records get the same reply
    out: list[tuple[str, str, list[str]]] = []

    def attempt(f, k, force=None):
        try:
            user, answer, skills = f(g, k, force)
        except Skip:
            return False
        if len(skills) != k or user in seen or answer in seen_answers or (force is not None and force not in skills):
            return False
        _check(user, answer, skills)
        seen.add(user)
        seen_answers.add(answer)
        out.append((user, answer, skills))
        return True

    # Balanced selection: each record goes to the archetype that is furthest behind its weighted share
    # (with a random jitter), among those that can produce a record with k skills.
    made = Counter()
    for k in ks:
        order = sorted(ARCHETYPES, key=lambda a: (made[a[0].__name__] + g.rng.random()) / a[2])
        for f, _, _ in order:
            if attempt(f, k):
                made[f.__name__] += 1
                break
        else:
            raise RuntimeError(f"no archetype could produce a record with {k} skills")
    for skills, user, answer in RARE:
        _check(user, answer, skills)
        if user in seen:
            raise AssertionError(f"duplicate rare record {user!r}")
        seen.add(user)
        seen_answers.add(answer)
        out.append((user, answer, list(skills)))
    # Top up: every catalogue skill must appear in at least MIN_USES records.
    counts = Counter(s for _, _, sk in out for s in sk)
    for skill in SKILL_NAMES:
        tries = 0
        need = MIN_USES if skill in LONG_TAIL else MIN_USES_COMMON
        while counts[skill] < need:
            tries += 1
            if tries > 5000:
                raise RuntimeError(f"cannot produce a record using {skill!r}")
            f, _, _ = g.pick(ARCHETYPES)
            k = g.pick([2, 2, 3, 3, 4])
            if attempt(f, k, skill):
                for s in out[-1][2]:
                    counts[s] += 1
    g.shuffle(out)
    return [{"messages": [{"role": "user", "content": u}, {"role": "assistant", "content": a}], "skills": sk}
            for u, a, sk in out]


def write_outputs(out_dir: Path) -> dict[str, Path]:
    """Write skills.csv, topics.txt and corpus.jsonl into ``out_dir``; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"skills": out_dir / "skills.csv", "topics": out_dir / "topics.txt", "corpus": out_dir / "corpus.jsonl"}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["skill", "category", "definition", "example"])
    for row in SKILLS:
        w.writerow(row)
    paths["skills"].write_text(buf.getvalue(), encoding="utf-8")
    paths["topics"].write_text("".join(t + "\n" for t in TOPICS), encoding="utf-8")
    records = generate()
    lines = []
    for i, rec in enumerate(records, 1):
        lines.append(json.dumps({"id": f"demo-{i:05d}", **rec}, ensure_ascii=False))
    paths["corpus"].write_text("\n".join(lines) + "\n", encoding="utf-8")
    return paths


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Generate the STEPS Studio demo data (skills.csv, topics.txt, corpus.jsonl).")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent,
                    help="directory to write the three files into (default: next to this script)")
    ap.add_argument("--stats", action="store_true", help="print counts and the most common skill pairs after writing")
    args = ap.parse_args(argv)
    paths = write_outputs(args.out)
    if args.stats:
        recs = [json.loads(l) for l in paths["corpus"].read_text(encoding="utf-8").splitlines()]
        sizes = Counter(len(r["skills"]) for r in recs)
        pairs = Counter(tuple(sorted((a, b))) for r in recs for i, a in enumerate(r["skills"]) for b in r["skills"][i + 1:])
        uses = Counter(s for r in recs for s in r["skills"])
        print(f"skills: {len(SKILLS)} in {len({c for _, c, _, _ in SKILLS})} categories; topics: {len(TOPICS)}")
        print(f"records: {len(recs)}; skills per record: " + ", ".join(f"{k}: {sizes[k]}" for k in sorted(sizes)))
        print(f"distinct skill pairs: {len(pairs)}; least used skill: {min(uses.values())} records")
        for (a, b), c in pairs.most_common(10):
            print(f"  {c:4d}  {a} + {b}")
    else:
        for p in paths.values():
            print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
