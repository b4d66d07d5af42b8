"""Country names in the six languages of ``locale``, lower case, by their ISO 3166 code:
CLDR's, as Babel gives them (``country.cldr_country_names``), written out here so that no
command loads Babel's locale data to read a document whose amounts name no currency. A test
checks them against Babel. One code a line, its names apart by "|" (a long list goes on
over the next lines, under its code again)."""

from __future__ import annotations

NAMES = """
AC ascension island|ascension|île de l’ascension|isla de la ascensión|isola ascensione
AD andorra|andorre
AE united arab emirates|vereinigte arabische emirate|émirats arabes unis
AE verenigde arabische emiraten|emiratos árabes unidos|emirati arabi uniti
AF afghanistan|afganistán
AG antigua & barbuda|antigua und barbuda|antigua-et-barbuda|antigua en barbuda
AG antigua y barbuda|antigua e barbuda
AI anguilla|anguila
AL albania|albanien|albanie|albanië
AM armenia|armenien|arménie|armenië
AO angola
AQ antarctica|antarktis|antarctique|antártida|antartide
AR argentina|argentinien|argentine|argentinië
AS american samoa|amerikanisch-samoa|samoa américaines|amerikaans-samoa|samoa americana
AS samoa americane
AT austria|österreich|autriche|oostenrijk
AU australia|australien|australie|australië
AW aruba
AX åland islands|ålandinseln|îles åland|åland|islas aland|isole åland
AZ azerbaijan|aserbaidschan|azerbaïdjan|azerbeidzjan|azerbaiyán|azerbaigian
BA bosnia & herzegovina|bosnien und herzegowina|bosnie-herzégovine|bosnië en herzegovina
BA bosnia y herzegovina|bosnia ed erzegovina
BB barbados|barbade
BD bangladesh|bangladesch|bangladés
BE belgium|belgien|belgique|belgië|bélgica|belgio
BF burkina faso
BG bulgaria|bulgarien|bulgarie|bulgarije
BH bahrain|bahreïn|bahrein|baréin
BI burundi
BJ benin|bénin|benín
BL st. barthélemy|saint-barthélemy|san bartolomé
BM bermuda|bermudes|bermudas
BN brunei|brunei darussalam|brunéi
BO bolivia|bolivien|bolivie
BQ caribbean netherlands|karibische niederlande|pays-bas caribéens|caribisch nederland
BQ caribe neerlandés|caraibi olandesi
BR brazil|brasilien|brésil|brazilië|brasil|brasile
BS bahamas|bahama’s
BT bhutan|bhoutan|bután
BV bouvet island|bouvetinsel|île bouvet|bouveteiland|isla bouvet|isola bouvet
BW botswana|botsuana
BY belarus|biélorussie|bielorrusia|bielorussia
BZ belize|belice
CA canada|kanada|canadá
CC cocos (keeling) islands|kokosinseln|îles cocos|cocoseilanden|islas cocos
CC isole cocos (keeling)
CD congo - kinshasa|kongo-kinshasa|congo-kinshasa|república democrática del congo
CF central african republic|zentralafrikanische republik|république centrafricaine
CF centraal-afrikaanse republiek|república centroafricana|repubblica centrafricana
CG congo - brazzaville|kongo-brazzaville|congo-brazzaville|congo
CH switzerland|schweiz|suisse|zwitserland|suiza|svizzera
CI côte d’ivoire|ivoorkust|costa d’avorio
CK cook islands|cookinseln|îles cook|cookeilanden|islas cook|isole cook
CL chile|chili|cile
CM cameroon|kamerun|cameroun|kameroen|camerún|camerun
CN china|chine|cina
CO colombia|kolumbien|colombie
CP clipperton island|clipperton-insel|île clipperton|clipperton|isla clipperton
CP isola di clipperton
CQ sark|sercq
CR costa rica
CU cuba|kuba
CV cape verde|cabo verde|cap-vert|kaapverdië|capo verde
CW curaçao|curazao
CX christmas island|weihnachtsinsel|île christmas|christmaseiland|isla de navidad
CX isola christmas
CY cyprus|zypern|chypre|chipre|cipro
CZ czechia|tschechien|tchéquie|tsjechië|chequia|cechia
DE germany|deutschland|allemagne|duitsland|alemania|germania
DG diego garcia|diego garcía
DJ djibouti|dschibuti|yibuti|gibuti
DK denmark|dänemark|danemark|denemarken|dinamarca|danimarca
DM dominica|dominique
DO dominican republic|dominikanische republik|république dominicaine|dominicaanse republiek
DO república dominicana|repubblica dominicana
DZ algeria|algerien|algérie|algerije|argelia
EA ceuta & melilla|ceuta und melilla|ceuta et melilla|ceuta en melilla|ceuta y melilla
EA ceuta e melilla
EC ecuador|équateur
EE estonia|estland|estonie
EG egypt|ägypten|égypte|egypte|egipto|egitto
EH western sahara|westsahara|sahara occidental|westelijke sahara|sáhara occidental
EH sahara occidentale
ER eritrea|érythrée
ES spain|spanien|espagne|spanje|españa|spagna
ET ethiopia|äthiopien|éthiopie|ethiopië|etiopía|etiopia
FI finland|finnland|finlande|finlandia
FJ fiji|fidschi|fidji|fiyi|figi
FK falkland islands|falklandinseln|îles malouines|falklandeilanden|islas malvinas
FK isole falkland
FM micronesia|mikronesien|micronésie
FO faroe islands|färöer|îles féroé|faeröer|islas feroe|isole fær øer
FR france|frankreich|frankrijk|francia
GA gabon|gabun|gabón
GB united kingdom|vereinigtes königreich|royaume-uni|verenigd koninkrijk|reino unido
GB regno unito
GD grenada|grenade|granada
GE georgia|georgien|géorgie|georgië
GF french guiana|französisch-guayana|guyane française|frans-guyana|guayana francesa
GF guyana francese
GG guernsey|guernesey
GH ghana
GI gibraltar|gibilterra
GL greenland|grönland|groenland|groenlandia
GM gambia|gambie
GN guinea|guinée|guinee
GP guadeloupe|guadalupe|guadalupa
GQ equatorial guinea|äquatorialguinea|guinée équatoriale|equatoriaal-guinea
GQ guinea ecuatorial|guinea equatoriale
GR greece|griechenland|grèce|griekenland|grecia
GS south georgia & south sandwich islands|südgeorgien und die südlichen sandwichinseln
GS géorgie du sud-et-les îles sandwich du sud|zuid-georgia en zuidelijke sandwicheilanden
GS islas georgia del sur y sandwich del sur|georgia del sud e sandwich australi
GT guatemala
GU guam
GW guinea-bissau|guinée-bissau|guinee-bissau|guinea-bisáu
GY guyana
HK hong kong sar china|sonderverwaltungsregion hongkong|r.a.s. chinoise de hong kong
HK hongkong sar van china|rae de hong kong (china)|ras di hong kong
HM heard island & mcdonald islands|heard und mcdonaldinseln|îles heard-et-macdonald
HM heard en mcdonaldeilanden|islas heard y mcdonald|isole heard e mcdonald
HN honduras
HR croatia|kroatien|croatie|kroatië|croacia|croazia
HT haiti|haïti|haití
HU hungary|ungarn|hongrie|hongarije|hungría|ungheria
IC canary islands|kanarische inseln|îles canaries|canarische eilanden|canarias|isole canarie
ID indonesia|indonesien|indonésie|indonesië
IE ireland|irland|irlande|ierland|irlanda
IL israel|israël|israele
IM isle of man|île de man|isla de man|isola di man
IN india|indien|inde
IO british indian ocean territory|britisches territorium im indischen ozean
IO territoire britannique de l’océan indien|brits indische oceaanterritorium
IO territorio británico del océano índico|territorio britannico dell’oceano indiano
IQ iraq|irak
IR iran|irán
IS iceland|island|islande|ijsland|islandia|islanda
IT italy|italien|italie|italië|italia
JE jersey
JM jamaica|jamaika|jamaïque|giamaica
JO jordan|jordanien|jordanie|jordanië|jordania|giordania
JP japan|japon|japón|giappone
KE kenya|kenia
KG kyrgyzstan|kirgisistan|kirghizstan|kirgizië|kirguistán|kirghizistan
KH cambodia|kambodscha|cambodge|cambodja|camboya|cambogia
KI kiribati
KM comoros|komoren|comores|comoren|comoras|comore
KN st. kitts & nevis|st. kitts und nevis|saint-christophe-et-niévès|saint kitts en nevis
KN san cristóbal y nieves|saint kitts e nevis
KP north korea|nordkorea|corée du nord|noord-korea|corea del norte|corea del nord
KR south korea|südkorea|corée du sud|zuid-korea|corea del sur|corea del sud
KW kuwait|koweït|koeweit
KY cayman islands|kaimaninseln|îles caïmans|kaaimaneilanden|islas caimán|isole cayman
KZ kazakhstan|kasachstan|kazachstan|kazajistán|kazakistan
LA laos
LB lebanon|libanon|liban|líbano|libano
LC st. lucia|sainte-lucie|saint lucia|santa lucía
LI liechtenstein
LK sri lanka
LR liberia
LS lesotho|lesoto
LT lithuania|litauen|lituanie|litouwen|lituania
LU luxembourg|luxemburg|luxemburgo|lussemburgo
LV latvia|lettland|lettonie|letland|letonia|lettonia
LY libya|libyen|libye|libië|libia
MA morocco|marokko|maroc|marruecos|marocco
MC monaco|mónaco
MD moldova|republik moldau|moldavie|moldavië|moldavia
ME montenegro|monténégro
MF st. martin|saint-martin|san martín|saint martin
MG madagascar|madagaskar
MH marshall islands|marshallinseln|îles marshall|marshalleilanden|islas marshall
MH isole marshall
MK north macedonia|nordmazedonien|macédoine du nord|noord-macedonië|macedonia del norte
MK macedonia del nord
ML mali
MM myanmar (burma)|myanmar|myanmar (birmanie)|myanmar (birma)|myanmar (birmania)
MN mongolia|mongolei|mongolie|mongolië
MO macao sar china|sonderverwaltungsregion macau|r.a.s. chinoise de macao
MO macau sar van china|rae de macao (china)|ras di macao
MP northern mariana islands|nördliche marianen|îles mariannes du nord|noordelijke marianen
MP islas marianas del norte|isole marianne settentrionali
MQ martinique|martinica
MR mauritania|mauretanien|mauritanie|mauritanië
MS montserrat
MT malta|malte
MU mauritius|maurice|mauricio
MV maldives|malediven|maldiven|maldivas|maldive
MW malawi|malaui
MX mexico|mexiko|mexique|méxico|messico
MY malaysia|malaisie|maleisië|malasia
MZ mozambique|mosambik|mozambico
NA namibia|namibie|namibië
NC new caledonia|neukaledonien|nouvelle-calédonie|nieuw-caledonië|nueva caledonia
NC nuova caledonia
NE niger|níger
NF norfolk island|norfolkinsel|île norfolk|norfolk|isla norfolk|isola norfolk
NG nigeria
NI nicaragua
NL netherlands|niederlande|pays-bas|nederland|países bajos|paesi bassi
NO norway|norwegen|norvège|noorwegen|noruega|norvegia
NP nepal|népal
NR nauru
NU niue
NZ new zealand|neuseeland|nouvelle-zélande|nieuw-zeeland|nueva zelanda|nuova zelanda
OM oman|omán
PA panama|panamá
PE peru|pérou|perú|perù
PF french polynesia|französisch-polynesien|polynésie française|frans-polynesië
PF polinesia francesa|polinesia francese
PG papua new guinea|papua-neuguinea|papouasie-nouvelle-guinée|papoea-nieuw-guinea
PG papúa nueva guinea|papua nuova guinea
PH philippines|philippinen|filipijnen|filipinas|filippine
PK pakistan|pakistán
PL poland|polen|pologne|polonia
PM st. pierre & miquelon|st. pierre und miquelon|saint-pierre-et-miquelon
PM saint-pierre en miquelon|san pedro y miquelón|saint-pierre e miquelon
PN pitcairn islands|pitcairninseln|îles pitcairn|pitcairneilanden|islas pitcairn
PN isole pitcairn
PR puerto rico|porto rico|portorico
PS palestinian territories|palästinensische autonomiegebiete|territoires palestiniens
PS palestijnse gebieden|territorios palestinos|territori palestinesi
PT portugal|portogallo
PW palau|palaos
PY paraguay
QA qatar|katar|catar
QO outlying oceania|äußeres ozeanien|régions éloignées de l’océanie|overig oceanië
QO territorios alejados de oceanía|oceania lontana
RE réunion|la réunion|reunión|riunione
RO romania|rumänien|roumanie|roemenië|rumanía
RS serbia|serbien|serbie|servië
RU russia|russland|russie|rusland|rusia
RW rwanda|ruanda
SA saudi arabia|saudi-arabien|arabie saoudite|saoedi-arabië|arabia saudí|arabia saudita
SB solomon islands|salomonen|îles salomon|salomonseilanden|islas salomón|isole salomone
SC seychelles|seychellen
SD sudan|soudan|soedan|sudán
SE sweden|schweden|suède|zweden|suecia|svezia
SG singapore|singapur|singapour
SH st. helena, ascension & tristan da cunha|st. helena|sainte-hélène|sint-helena|santa elena
SH sant’elena
SI slovenia|slowenien|slovénie|slovenië|eslovenia
SJ svalbard & jan mayen|spitzbergen und jan mayen|svalbard et jan mayen
SJ spitsbergen en jan mayen|svalbard y jan mayen|svalbard e jan mayen
SK slovakia|slowakei|slovaquie|slowakije|eslovaquia|slovacchia
SL sierra leone|sierra leona
SM san marino|saint-marin
SN senegal|sénégal
SO somalia|somalie|somalië
SR suriname|surinam
SS south sudan|südsudan|soudan du sud|zuid-soedan|sudán del sur|sud sudan
ST são tomé & príncipe|são tomé und príncipe|sao tomé-et-principe|sao tomé en principe
ST santo tomé y príncipe|são tomé e príncipe
SV el salvador|salvador
SX sint maarten|saint-martin (partie néerlandaise)|sint-maarten
SY syria|syrien|syrie|syrië|siria
SZ eswatini|esuatini
TA tristan da cunha|tristán de acuña
TC turks & caicos islands|turks- und caicosinseln|îles turques-et-caïques
TC turks- en caicoseilanden|islas turcas y caicos|isole turks e caicos
TD chad|tschad|tchad|tsjaad|ciad
TF french southern and antarctic lands|französische süd- und antarktisgebiete
TF terres australes françaises|franse gebieden in de zuidelijke indische oceaan
TF territorios australes franceses|terre australi francesi
TG togo
TH thailand|thaïlande|tailandia|thailandia
TJ tajikistan|tadschikistan|tadjikistan|tadzjikistan|tayikistán|tagikistan
TK tokelau
TL timor-leste|timor oriental|oost-timor|timor est
TM turkmenistan|turkménistan|turkmenistán
TN tunisia|tunesien|tunisie|tunesië|túnez
TO tonga
TR türkiye|türkei|turquie|turkije|turquía|turchia
TT trinidad & tobago|trinidad und tobago|trinité-et-tobago|trinidad en tobago
TT trinidad y tobago|trinidad e tobago
TV tuvalu
TW taiwan|taïwan|taiwán
TZ tanzania|tansania|tanzanie
UA ukraine|oekraïne|ucrania|ucraina
UG uganda|ouganda|oeganda
UM u.s. outlying islands|amerikanische überseeinseln|îles mineures éloignées des états-unis
UM kleine afgelegen eilanden van de verenigde staten|islas menores alejadas de ee. uu.
UM isole minori esterne degli stati uniti
US united states|vereinigte staaten|états-unis|verenigde staten|estados unidos|stati uniti
UY uruguay
UZ uzbekistan|usbekistan|ouzbékistan|oezbekistan|uzbekistán
VA vatican city|vatikanstadt|état de la cité du vatican|vaticaanstad|ciudad del vaticano
VA città del vaticano
VC st. vincent & grenadines|st. vincent und die grenadinen|saint-vincent-et-les grenadines
VC saint vincent en de grenadines|san vicente y las granadinas|saint vincent e grenadine
VE venezuela
VG british virgin islands|britische jungferninseln|îles vierges britanniques
VG britse maagdeneilanden|islas vírgenes británicas|isole vergini britanniche
VI u.s. virgin islands|amerikanische jungferninseln|îles vierges des états-unis
VI amerikaanse maagdeneilanden|islas vírgenes de ee. uu.|isole vergini americane
VN vietnam|viêt nam
VU vanuatu
WF wallis & futuna|wallis und futuna|wallis-et-futuna|wallis en futuna|wallis y futuna
WF wallis e futuna
WS samoa
XA pseudo-accents|pseudo-akzente|pseudo-accenten|pseudoacentos|pseudo-accenti
XB pseudo-bidi|pseudobidi
XK kosovo
YE yemen|jemen|yémen
YT mayotte
ZA south africa|südafrika|afrique du sud|zuid-afrika|sudáfrica|sudafrica
ZM zambia|sambia|zambie
ZW zimbabwe|simbabwe|zimbabue
"""
